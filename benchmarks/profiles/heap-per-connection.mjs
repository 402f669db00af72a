/**
 * The V8 heap of idle connections at the dialer, per connection, by kind of
 * object: two heap snapshots (after `--warmup` and after `--connections`
 * more dials to a listener in a child process), counted by constructor name.
 *
 *   node --expose-gc benchmarks/profiles/heap-per-connection.mjs [--stack weft|js] [--connections 200] [--top 40]
 */
import { fork } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeHeapSnapshot } from 'node:v8'
import { multiaddr } from '@multiformats/multiaddr'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const stack = option('stack', 'weft')
const connections = Number(option('connections', '200'))
const warmup = Number(option('warmup', '20'))
const top = Number(option('top', '40'))
const muxer = option('muxer', 'yamux')
const { createNode } = await import(new URL('../dist/src/stacks/node.js', import.meta.url).href)

if (args.includes('--listener')) {
  const node = await createNode(stack, { muxer, listen: true })
  process.send({ address: node.address().toString() })
  process.on('message', async () => {
    await node.stop()
    process.exit(0)
  })
} else {
  const listener = fork(new URL(import.meta.url).pathname, ['--listener', ...args])
  const { address } = await new Promise((resolve) => listener.once('message', resolve))
  const node = await createNode(stack, { muxer, listen: false })
  const target = multiaddr(address)
  const dial = async (n) => {
    for (let i = 0; i < n; i++) await node.dial(target, { signal: AbortSignal.timeout(10_000) })
    await new Promise((resolve) => setTimeout(resolve, 500))
    globalThis.gc()
  }
  await dial(warmup)
  const before = count(snapshot('before'))
  await dial(connections)
  const after = count(snapshot('after'))
  const rows = []
  for (const [name, { n, size }] of after) {
    const b = before.get(name) ?? { n: 0, size: 0 }
    rows.push({ name, count: (n - b.n) / connections, bytes: (size - b.size) / connections })
  }
  rows.sort((x, y) => y.bytes - x.bytes)
  const total = rows.reduce((sum, row) => sum + row.bytes, 0)
  console.log(
    `${stack} ${muxer}: ${(total / 1024).toFixed(2)} KiB of heap per connection (shallow sizes), by kind:`,
  )
  for (const row of rows.slice(0, top)) {
    console.log(`  ${row.bytes.toFixed(0).padStart(6)} B  ${row.count.toFixed(2).padStart(6)} ×  ${row.name}`)
  }
  listener.send('stop')
  await node.stop()
  process.exit(0)
}

function snapshot(label) {
  const file = writeHeapSnapshot(join(tmpdir(), `heap-${process.pid}-${label}.heapsnapshot`))
  const json = JSON.parse(readFileSync(file, 'utf8'))
  rmSync(file)
  return json
}

/** Shallow size and count of every node, keyed by type and name (closures and objects by constructor). */
function count(snap) {
  const meta = snap.snapshot.meta
  const fields = meta.node_fields
  const types = meta.node_types[0]
  const typeIx = fields.indexOf('type')
  const nameIx = fields.indexOf('name')
  const sizeIx = fields.indexOf('self_size')
  const out = new Map()
  const nodes = snap.nodes
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeIx]]
    let name = snap.strings[nodes[i + nameIx]]
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)'
    else if (type === 'number') name = '(heap number)'
    else if (type === 'code') name = '(code)'
    else if (type === 'hidden' || type === 'array' || type === 'object shape')
      name = `(${type}) ${name.slice(0, 40)}`
    else if (type === 'closure') name = `closure ${name.slice(0, 50)}`
    else name = `${type === 'object' ? '' : `(${type}) `}${name.slice(0, 60)}`
    const entry = out.get(name) ?? { n: 0, size: 0 }
    entry.n++
    entry.size += nodes[i + sizeIx]
    out.set(name, entry)
  }
  return out
}
