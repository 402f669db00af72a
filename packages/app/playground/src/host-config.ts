/**
 * The host a playground runs on: TCP and WebSocket (plus the circuit-relay
 * transport), Noise, yamux, identify, ping, gossipsub, AutoNAT, DCUtR, and
 * mDNS on the LAN unless turned off, and the Mainline DHT service when asked.
 * The defaults live here, once.
 */
import type { PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { autoNAT } from '@weft/autonat'
import { circuitRelayTransport } from '@weft/circuit-relay'
import { dcutr } from '@weft/dcutr'
import { gossipsub } from '@weft/gossipsub'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { kadDHT } from '@weft/kad-dht'
import { mainline } from '@weft/mainline-dht'
import { mdns } from '@weft/mdns'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { webSockets } from '@weft/websocket'
import { yamux } from '@weft/yamux'
import { MAX_TIMER, type ResolvedMainline } from './topic-discovery.js'

/** Every interface, a free port, TCP and WebSocket. */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws']

export interface HostOptions {
  listen: string[]
  mdns: boolean
  dht: boolean
  /** the Mainline DHT service announcing and looking up `topic` (off when absent) */
  mainline?: { topic: string; init: ResolvedMainline }
  privateKey?: PrivateKey
  name: string
}

export async function startHost(options: HostOptions) {
  const services = {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }),
    autonat: autoNAT(),
    dcutr: dcutr(),
    ...(options.mdns ? { mdns: mdns() } : {}),
    ...(options.dht ? { dht: kadDHT({ clientMode: false }) } : {}),
    ...(options.mainline != null ? { mainline: mainlineService(options.mainline) } : {}),
  }
  return createHost({
    privateKey: options.privateKey,
    addresses: { listen: options.listen },
    transports: [tcp(), webSockets(), circuitRelayTransport({ autoReserve: 'when-private' })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    nodeInfo: { name: options.name, version: '0.1.0', userAgent: `weft-playground/${options.name}` },
    services,
  })
}

/**
 * Mainline as a host service: it publishes our addresses (so `findPeer`
 * works through it) and answers for our topic. The playground runs the topic
 * rounds itself, with backoff (topic-discovery.ts): the service's own timer is
 * set past any session, leaving it the one round it runs at start.
 */
function mainlineService({ topic, init }: NonNullable<HostOptions['mainline']>) {
  return mainline({
    dht: { host: init.host, port: init.port, bootstrap: init.bootstrap, nodesPerIp: init.nodesPerIp },
    topics: [topic],
    topicInterval: MAX_TIMER,
  })
}

export type PlaygroundHost = Awaited<ReturnType<typeof startHost>>

/**
 * A stream of `protocol` to `peer`: on a connection already open when there
 * is one (a direct one first, else a relayed one: the host's dial would look
 * for a direct path and may find none behind two NATs), else on a new one.
 * A connection that closes while the stream is negotiated (immediately after
 * a discovery dial: a duplicate dropped, a relayed one replaced by a direct
 * one) is no failure of the peer: the next open one is tried, a few at most.
 */
export async function openStream(
  host: PlaygroundHost,
  peer: PeerId,
  protocol: string,
  signal: AbortSignal,
): Promise<Stream> {
  for (let attempt = 1; ; attempt++) {
    const connections = host.getConnections(peer).filter((connection) => connection.status === 'open')
    const connection = connections.find((candidate) => candidate.limits == null) ?? connections[0]
    if (connection == null) return host.dialProtocol(peer, protocol, { signal, runOnLimitedConnection: true })
    try {
      return await connection.newStream(protocol, { signal, runOnLimitedConnection: true })
    } catch (err) {
      if (connection.status === 'open' || signal.aborted || attempt >= MAX_STREAM_ATTEMPTS) throw err
    }
  }
}

const MAX_STREAM_ATTEMPTS = 3
