/**
 * What the RSS of idle connections is made of, per connection.
 *
 *   node --expose-gc benchmarks/profiles/memory-breakdown.mjs [--stack weft|js] [--connections 500] [--warmup 20] [--settle 1000]
 *
 * A listener runs in a child process; this process dials it `connections`
 * times (after `warmup` dials that are kept open and excluded, so one-time
 * costs such as compiled code stay out of the figure) and prints, divided by
 * the connection count: RSS (anonymous and file-backed), V8's committed and
 * used size per heap space, `external` and `arrayBuffers`, and malloc'd
 * memory outside V8 (RSS growth not explained by V8's committed heap).
 * The benchmark's memory case (benchmarks/src/cases.ts) measures from zero
 * connections; this script shows both.
 */
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { getHeapSpaceStatistics } from 'node:v8'
import { multiaddr } from '@multiformats/multiaddr'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const stack = option('stack', 'weft')
const connections = Number(option('connections', '500'))
const warmup = Number(option('warmup', '20'))
const muxer = option('muxer', 'yamux')
/** ms to wait after the last dial before sampling (the benchmark waits 1 s) */
const settle = Number(option('settle', '1000'))
const { createNode } = await import(new URL('../dist/src/stacks/node.js', import.meta.url).href)

if (args.includes('--listener')) {
  const node = await createNode(stack, { muxer, listen: true })
  process.send({ address: node.address().toString() })
  process.on('message', async (msg) => {
    if (msg === 'sample') process.send({ sample: await sample(), open: node.libp2p.getConnections().length })
    if (msg === 'stop') {
      await node.stop()
      process.exit(0)
    }
  })
} else {
  await main()
}

async function sample() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const usage = process.memoryUsage()
  const status = readFileSync('/proc/self/status', 'utf8')
  const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024
  const spaces = {}
  for (const space of getHeapSpaceStatistics()) {
    spaces[space.space_name] = { committed: space.space_size, used: space.space_used_size }
  }
  return {
    rss: usage.rss,
    rssAnon: kib('RssAnon'),
    rssFile: kib('RssFile'),
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    spaces,
  }
}

function diff(a, b, n) {
  const per = (x, y) => ((y - x) / n / 1024).toFixed(2)
  const lines = []
  for (const key of ['rss', 'rssAnon', 'rssFile', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers']) {
    lines.push(`  ${key.padEnd(14)} ${per(a[key], b[key]).padStart(8)} KiB`)
  }
  const outside = b.rss - a.rss - (b.heapTotal - a.heapTotal)
  lines.push(
    `  ${'rss - heapTotal'.padEnd(14)} ${(outside / n / 1024).toFixed(2).padStart(8)} KiB (malloc, code, stacks)`,
  )
  for (const name of Object.keys(b.spaces)) {
    const x = a.spaces[name] ?? { committed: 0, used: 0 }
    const y = b.spaces[name]
    lines.push(
      `    ${name.padEnd(26)} committed ${per(x.committed, y.committed).padStart(7)}  used ${per(x.used, y.used).padStart(7)} KiB`,
    )
  }
  return lines.join('\n')
}

async function main() {
  const listener = fork(new URL(import.meta.url).pathname, ['--listener', ...args], {
    execArgv: ['--expose-gc', ...process.execArgv.filter((a) => a !== '--expose-gc')],
  })
  const next = () => new Promise((resolve) => listener.once('message', resolve))
  const { address } = await next()
  listener.send('sample')
  const listenerStart = (await next()).sample
  const node = await createNode(stack, { muxer, listen: false })
  const target = multiaddr(address)
  const zero = await sample()
  for (let i = 0; i < warmup; i++) await node.dial(target, { signal: AbortSignal.timeout(10_000) })
  listener.send('sample')
  const listenerWarm = (await next()).sample
  const warm = await sample()
  let newSpace = warm.spaces.new_space.committed
  for (let i = 0; i < connections; i++) {
    await node.dial(target, { signal: AbortSignal.timeout(10_000) })
    const committed = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size
    if (committed !== newSpace) {
      console.log(
        `dialer: new space ${(newSpace / 1048576).toFixed(1)} -> ${(committed / 1048576).toFixed(1)} MiB after ${warmup + i + 1} connections`,
      )
      newSpace = committed
    }
  }
  await new Promise((resolve) => setTimeout(resolve, settle))
  const end = await sample()
  listener.send('sample')
  const { sample: listenerEnd, open } = await next()
  const total = warmup + connections
  console.log(
    `${stack} ${muxer}: ${node.libp2p.getConnections().length} connections open at the dialer, ${open} at the listener`,
  )
  console.log(`dialer, from zero connections (as the benchmark), per connection of ${total}:`)
  console.log(diff(zero, end, total))
  console.log(`dialer, after ${warmup} warm-up connections, per connection of ${connections}:`)
  console.log(diff(warm, end, connections))
  console.log(`listener, from its start, per connection of ${total}:`)
  console.log(diff(listenerStart, listenerEnd, total))
  console.log(`listener, after ${warmup} warm-up connections, per connection of ${connections}:`)
  console.log(diff(listenerWarm, listenerEnd, connections))
  listener.send('stop')
  await node.stop()
  process.exit(0)
}
