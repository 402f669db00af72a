/**
 * The soak's network, on TCP over 127.0.0.1 in one process: a relay, a few
 * stable hosts (DHT servers, gossipsub) and a set of churning hosts that are
 * replaced one at a time. Each tick one host leaves and a new one joins
 * (dialling stable hosts, subscribing, half of them reserving on the relay),
 * and the live hosts ping, echo over fresh streams, put and get DHT records,
 * publish, and reach each other through the relay. Operations that fail
 * because a peer just left are counted, not fatal: the soak judges the
 * process, not the luck of a dial.
 *
 * Caches that fill before they stay flat are kept small (peer store 32
 * peers, seen messages 10 s, 16 DHT keys), so the steady state comes early
 * in a short run and any growth after the warm-up is a leak.
 */
import type { Libp2p, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { circuitRelayServer, circuitRelayTransport } from '@weft/circuit-relay'
import { gossipsub } from '@weft/gossipsub'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { kadDHT } from '@weft/kad-dht'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'

export const ECHO = '/weft/soak/echo/1.0.0'
export const TOPIC = 'soak'
const KEYS = 16
const OP_TIMEOUT = 5_000

export type OperationKind = 'ping' | 'echo' | 'dht-put' | 'dht-get' | 'publish' | 'relayed-ping' | 'join'

export interface OperationCounts {
  ok: Record<OperationKind, number>
  failed: Record<OperationKind, number>
}

// biome-ignore lint/suspicious/noExplicitAny: the services differ per role; the soak reads them by name
type Host = Libp2p<any>

const textEncoder = new TextEncoder()

function baseOptions(listen: string[]) {
  return {
    addresses: { listen },
    transports: [tcp(), circuitRelayTransport({ timeout: OP_TIMEOUT })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerStore: { maxPeers: 32 },
    connectionManager: { minConnections: 0 },
  }
}

function peerServices() {
  return {
    identify: identify(),
    ping: ping(),
    dht: kadDHT({
      clientMode: false,
      validators: { soak: () => {} },
      selectors: { soak: () => 0 },
      initialRefreshDelay: 60_000,
    }),
    pubsub: gossipsub({ seenTTL: 10_000, allowPublishToZeroTopicPeers: true }),
  }
}

async function echoHandler(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) if (!stream.send(chunk)) await stream.onDrain()
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

export class SoakNetwork {
  relay!: Host
  readonly stable: Host[] = []
  readonly churning: Host[] = []
  readonly counts: OperationCounts = { ok: emptyCounts(), failed: emptyCounts() }
  churned = 0
  private tick = 0
  private random: () => number

  constructor(private readonly init: { stableHosts: number; churnHosts: number; seed: number }) {
    let state = init.seed >>> 0 || 1
    // xorshift32: a seeded run repeats its choices
    this.random = () => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) / 2 ** 32
    }
  }

  get size(): number {
    return 1 + this.stable.length + this.churning.length
  }

  async start(): Promise<void> {
    this.relay = await createHost({
      ...baseOptions(['/ip4/127.0.0.1/tcp/0']),
      // every host of the soak is 127.0.0.1: lift the per-address reservation cap
      services: {
        identify: identify(),
        ping: ping(),
        relay: circuitRelayServer({ maxReservationsPerIp: 64 }),
      },
    })
    for (let i = 0; i < this.init.stableHosts; i++) {
      const host = await this.startPeer(false)
      this.stable.push(host)
    }
    // the stable hosts know each other before churn starts
    for (const host of this.stable)
      for (const other of this.stable)
        if (host !== other) await this.attempt('join', () => host.dial(other.getMultiaddrs()[0]!, signal()))
    for (let i = 0; i < this.init.churnHosts; i++) this.churning.push(await this.join())
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.churning, ...this.stable].map((host) => host.stop()))
    this.churning.length = 0
    this.stable.length = 0
    await this.relay?.stop()
  }

  /** One tick: a host leaves and another joins, then a round of traffic. */
  async step(): Promise<void> {
    this.tick++
    const leaving = this.churning.splice(this.pick(this.churning.length), 1)[0]
    await leaving?.stop()
    this.churning.push(await this.join())
    this.churned++
    const live = [...this.stable, ...this.churning]
    const from = live[this.pick(live.length)] as Host
    const to = this.other(live, from)
    const key = textEncoder.encode(`/soak/${this.tick % KEYS}`)
    await Promise.all([
      this.attempt('ping', () => from.services.ping.ping(to.getMultiaddrs(), signal())),
      this.attempt('echo', () => echo(from, to, 16 * 1024 + this.pick(48 * 1024))),
      this.attempt('dht-put', () =>
        drain(from.contentRouting.put(key, textEncoder.encode(`tick ${this.tick}`), signal())),
      ),
      this.attempt('dht-get', () => from.contentRouting.get(key, signal())),
      this.attempt('publish', () =>
        from.services.pubsub.publish(TOPIC, textEncoder.encode(`tick ${this.tick} from ${from.peerId}`)),
      ),
    ])
    if (this.tick % 5 === 0) {
      // a churning host that holds a reservation, reached through the relay
      const reserved = this.churning.filter((host) =>
        host.getMultiaddrs().some((addr: { toString(): string }) => addr.toString().includes('/p2p-circuit')),
      )
      const target = reserved[this.pick(reserved.length)]
      if (target != null) {
        const circuit = target
          .getMultiaddrs()
          .find((addr: { toString(): string }) => addr.toString().includes('/p2p-circuit'))
        const dialer = this.other(this.stable, this.stable[0] as Host)
        await this.attempt('relayed-ping', async () => {
          const connection = await dialer.dial(circuit as Multiaddr, signal())
          const stream = await connection.newStream(ECHO, { ...signal(), runOnLimitedConnection: true })
          stream.send(new Uint8Array(32))
          await stream.close()
          let received = 0
          for await (const chunk of stream) received += chunk.byteLength
          if (received !== 32) throw new Error(`echoed ${received} of 32 bytes through the relay`)
          await connection.close()
        })
      }
    }
  }

  private async join(): Promise<Host> {
    const relayed = this.pick(2) === 0
    const relayAddr = `${this.relay.getMultiaddrs()[0]}`
    const host = await this.startPeer(relayed, relayed ? [`${relayAddr}/p2p-circuit`] : [])
    const first = this.stable[this.pick(this.stable.length)] as Host
    await this.attempt('join', () => host.dial(first.getMultiaddrs()[0]!, signal()))
    await this.attempt('join', () => host.dial(this.other(this.stable, first).getMultiaddrs()[0]!, signal()))
    return host
  }

  private async startPeer(_relayed: boolean, extraListen: string[] = []): Promise<Host> {
    const host = await createHost({
      ...baseOptions(['/ip4/127.0.0.1/tcp/0', ...extraListen]),
      services: peerServices(),
    })
    await host.handle(ECHO, (stream: Stream) => void echoHandler(stream), { runOnLimitedConnection: true })
    host.services.pubsub.subscribe(TOPIC)
    return host
  }

  private async attempt(kind: OperationKind, op: () => Promise<unknown>): Promise<void> {
    try {
      await op()
      this.counts.ok[kind]++
    } catch {
      this.counts.failed[kind]++
    }
  }

  private pick(n: number): number {
    return n <= 1 ? 0 : Math.floor(this.random() * n)
  }

  private other(hosts: Host[], not: Host): Host {
    const others = hosts.filter((host) => host !== not)
    return (others[this.pick(others.length)] ?? not) as Host
  }
}

function signal(): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(OP_TIMEOUT) }
}

function emptyCounts(): Record<OperationKind, number> {
  return { ping: 0, echo: 0, 'dht-put': 0, 'dht-get': 0, publish: 0, 'relayed-ping': 0, join: 0 }
}

async function drain(iterable: AsyncIterable<unknown> | Promise<unknown>): Promise<void> {
  if (Symbol.asyncIterator in Object(iterable)) {
    for await (const _ of iterable as AsyncIterable<unknown>);
  } else await iterable
}

async function echo(from: Host, to: Host, size: number): Promise<void> {
  const stream = await from.dialProtocol(to.getMultiaddrs(), ECHO, signal())
  const payload = new Uint8Array(size).fill(size & 0xff)
  stream.send(payload)
  await stream.close()
  let received = 0
  for await (const chunk of stream) received += chunk.byteLength
  if (received !== size) throw new Error(`echoed ${received} of ${size} bytes`)
}
