/**
 * CPU time per megabyte of `/perf/1.0.0` throughput, dialer and listener:
 * a figure that, unlike MB/s, holds still when other work shares the cores.
 *
 *   node benchmarks/profiles/throughput-cpu.mjs [--stack weft|js] [--muxer yamux|mplex] [--mib 256] [--reps 3] [--cpu-prof DIR]
 *
 * Each repetition uploads then downloads `mib` MiB on one connection and
 * prints, per direction: wall-clock MB/s, and the CPU time (user + system)
 * of each process per MB moved. `--cpu-prof DIR` writes V8 CPU profiles of
 * both processes (summarise them with benchmarks/dist/src/profile-summary.js).
 */
import { fork } from 'node:child_process'
import { multiaddr } from '@multiformats/multiaddr'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : fallback
}
const stack = option('stack', 'weft')
const muxer = option('muxer', 'yamux')
const bytes = Number(option('mib', '256')) * 1024 * 1024
const reps = Number(option('reps', '3'))
const profDir = option('cpu-prof')
const { createNode } = await import(new URL('../dist/src/stacks/node.js', import.meta.url).href)

if (args.includes('--listener')) {
  const node = await createNode(stack, { muxer, listen: true })
  process.send({ address: node.address().toString() })
  process.on('message', async (msg) => {
    if (msg === 'cpu') process.send({ cpu: process.cpuUsage() })
    if (msg === 'stop') {
      await node.stop()
      process.exit(0)
    }
  })
} else {
  const execArgv = [
    ...process.execArgv,
    ...(profDir != null ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []),
  ]
  const listener = fork(new URL(import.meta.url).pathname, ['--listener', ...args], { execArgv })
  const next = () => new Promise((resolve) => listener.once('message', resolve))
  const { address } = await next()
  const listenerCpu = async () => {
    listener.send('cpu')
    const { cpu } = await next()
    return cpu.user + cpu.system
  }
  const node = await createNode(stack, { muxer, listen: false })
  const target = multiaddr(address)
  const connection = await node.dial(target, { signal: AbortSignal.timeout(10_000) })
  const mb = bytes / 1e6
  for (let rep = 0; rep < reps; rep++) {
    for (const [direction, up, down] of [
      ['upload', bytes, 0],
      ['download', 0, bytes],
    ]) {
      const l0 = await listenerCpu()
      const d0 = process.cpuUsage()
      const seconds = await node.perf(connection, target, up, down, { signal: AbortSignal.timeout(300_000) })
      const d1 = process.cpuUsage(d0)
      const l1 = await listenerCpu()
      const dialerUs = (d1.user + d1.system) / mb
      const listenerUs = (l1 - l0) / mb
      console.log(
        `${stack} ${muxer} ${direction.padEnd(8)} ${(mb / seconds).toFixed(1).padStart(7)} MB/s  CPU per MB: dialer ${dialerUs.toFixed(0).padStart(5)} µs, listener ${listenerUs.toFixed(0).padStart(5)} µs, sum ${(dialerUs + listenerUs).toFixed(0).padStart(5)} µs`,
      )
    }
  }
  listener.send('stop')
  await node.stop()
  await new Promise((resolve) => listener.once('exit', resolve))
  process.exit(0)
}
