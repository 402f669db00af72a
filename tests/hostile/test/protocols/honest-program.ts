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
import { pingLoop } from './ping-loop.js'

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

const loop = pingLoop((signal) => host.services.ping.ping(connection.remotePeer, { signal }), interval)
const lines = createInterface({ input: process.stdin })
await new Promise<void>((resolve) => {
  lines.on('line', (line) => {
    if (line.trim() === 'stop') resolve()
  })
  lines.on('close', () => resolve())
})
const report = await loop.stop()
process.stdout.write(`${JSON.stringify({ event: 'report', ...report })}\n`)
const timer = setTimeout(() => process.exit(1), 5_000)
await host.stop()
clearTimeout(timer)
process.exit(0)
