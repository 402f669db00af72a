/**
 * The host under attack for the protocol-level hostile tests, run in a child
 * process so that a crash, its memory and its event loop are its own: a
 * default-ish weft host on TCP 127.0.0.1 (Noise, yamux) serving identify,
 * ping, perf, kad-dht (server), gossipsub (subscribed to 'hostile'; it
 * also speaks floodsub), circuit relay (server and transport), AutoNAT, DCUtR and a
 * rendezvous server.
 *
 * usage: node --expose-gc program.mjs '<TargetConfig JSON>'
 * stdout, one JSON object a line (`TargetEvent`); stdin, one command a line:
 * `memory <id>` (answered by a `memory` event after a forced GC), `usage <id>`
 * (a `usage` event, read at once, no GC: cheap enough to sample during an
 * attack). The program
 * stops the host and exits when stdin closes.
 */
import { createInterface } from 'node:readline'
import type { Multiaddr } from '@multiformats/multiaddr'
import { autoNAT } from '@weft/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@weft/circuit-relay'
import { dcutr } from '@weft/dcutr'
import { gossipsub } from '@weft/gossipsub'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { kadDHT } from '@weft/kad-dht'
import { noise } from '@weft/noise'
import { perf } from '@weft/perf'
import { ping } from '@weft/ping'
import { rendezvousServer } from '@weft/rendezvous'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import type { TargetConfig } from './target-config.js'

function report(event: string, detail: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...detail })}\n`)
}

// a process-level error is what the tests look for: report it, then behave as
// Node's default would (exit) for an uncaught exception
process.on('uncaughtException', (err) => {
  report('uncaughtException', { name: err.name, message: err.message, stack: err.stack })
  process.exit(70)
})
process.on('unhandledRejection', (reason) => {
  const err = reason instanceof Error ? reason : new Error(String(reason))
  report('unhandledRejection', { name: err.name, message: err.message, stack: err.stack })
})

const config = JSON.parse(process.argv[2] ?? '{}') as TargetConfig
// biome-ignore lint/suspicious/noExplicitAny: each service's init is passed through from JSON
const init = (name: keyof NonNullable<TargetConfig['services']>): any => config.services?.[name] ?? {}

const host = await createHost({
  ...config.host,
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp(), circuitRelayTransport(init('relayTransport'))],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: config.connectionManager ?? {},
  // every outbound dial is reported (the DCUtR and AutoNAT cases look for
  // dials the target was talked into); only loopback is ever dialled
  connectionGater: {
    denyDialMultiaddr: (address: Multiaddr) => {
      const text = address.toString()
      report('dial', { address: text })
      return !(text.startsWith('/ip4/127.') || text.startsWith('/ip6/::1/'))
    },
  },
  services: {
    identify: identify(init('identify')),
    ping: ping(init('ping')),
    perf: perf(init('perf')),
    dht: kadDHT({ clientMode: false, ...init('dht') }),
    gossipsub: gossipsub(init('gossipsub')),
    relay: circuitRelayServer(init('relay')),
    autonat: autoNAT(init('autonat')),
    dcutr: dcutr(init('dcutr')),
    rendezvous: rendezvousServer(init('rendezvous')),
  },
})
await host.start()
host.services.gossipsub.subscribe('hostile')
let delivered = 0
host.services.gossipsub.addEventListener('message', () => {
  delivered++
})
report('ready', { peerId: host.peerId.toString(), addrs: host.getMultiaddrs().map(String) })

function memory(id: number): void {
  globalThis.gc?.()
  const { rss, heapUsed, arrayBuffers, external } = process.memoryUsage()
  report('memory', { id, rss, heapUsed, arrayBuffers, external, delivered })
}

function usage(id: number): void {
  const { rss, heapUsed } = process.memoryUsage()
  const connections = host.getConnections()
  const streams = connections.reduce((total, connection) => total + connection.streams.length, 0)
  const reservations = host.services.relay.reservationCount
  report('usage', { id, rss, heapUsed, connections: connections.length, streams, reservations })
}

let stopping = false
async function shutdown(): Promise<void> {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(1), 5000)
  await host.stop()
  clearTimeout(timer)
  process.exit(0)
}
const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const [command, id] = line.trim().split(' ')
  if (command === 'memory') memory(Number(id))
  if (command === 'usage') usage(Number(id))
})
lines.on('close', () => void shutdown())
