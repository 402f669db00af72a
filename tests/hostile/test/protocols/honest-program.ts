/**
 * An honest peer in a process of its own: it connects to the host under
 * attack and pings it, one ping at a time every `interval` ms, until its
 * stdin says `stop`; then it prints its report and exits. Apart from the
 * test process, its round trips measure the target, not the attackers'
 * own work in the test process.
 *
 * usage: node program.mjs '<target multiaddr>' <interval ms>
 * stdout, one JSON object a line: `{ event: 'ready' }` once connected, then
 * `{ event: 'report', rtts, failures, max, errors }`.
 */
import { createInterface } from 'node:readline'
import { multiaddr } from '@multiformats/multiaddr'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'

const address = multiaddr(process.argv[2] ?? '')
const interval = Number(process.argv[3] ?? 25)

const host = await createHost({
  addresses: { listen: [] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() },
})
await host.start()
const connection = await host.dial(address)
process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`)

let running = true
const rtts: number[] = []
const errors = new Set<string>()
let failures = 0
let max = 0
const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() === 'stop') running = false
})
lines.on('close', () => {
  running = false
})
while (running) {
  const started = performance.now()
  try {
    await host.services.ping.ping(connection.remotePeer, { signal: AbortSignal.timeout(5_000) })
    rtts.push(performance.now() - started)
  } catch (err) {
    failures++
    if (errors.size < 5) errors.add(`${(err as Error).name}: ${(err as Error).message}`)
  }
  max = Math.max(max, performance.now() - started)
  await new Promise((resolve) => setTimeout(resolve, interval))
}
process.stdout.write(`${JSON.stringify({ event: 'report', rtts, failures, max, errors: [...errors] })}\n`)
const timer = setTimeout(() => process.exit(1), 5_000)
await host.stop()
clearTimeout(timer)
process.exit(0)
