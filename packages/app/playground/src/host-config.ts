/**
 * The host a playground runs on: TCP and WebSocket (plus the circuit-relay
 * transport), Noise, yamux, identify, ping, gossipsub, AutoNAT, DCUtR, and
 * mDNS on the LAN unless turned off. The defaults live here, once.
 */
import type { PeerId, PrivateKey, Stream } from '@libp2p/interface'
import { autoNAT } from '@weft/autonat'
import { circuitRelayTransport } from '@weft/circuit-relay'
import { dcutr } from '@weft/dcutr'
import { gossipsub } from '@weft/gossipsub'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { kadDHT } from '@weft/kad-dht'
import { mdns } from '@weft/mdns'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { webSockets } from '@weft/websocket'
import { yamux } from '@weft/yamux'

/** Every interface, a free port, TCP and WebSocket. */
export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0', '/ip4/0.0.0.0/tcp/0/ws']

export interface HostOptions {
  listen: string[]
  mdns: boolean
  dht: boolean
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

export type PlaygroundHost = Awaited<ReturnType<typeof startHost>>

/**
 * A stream of `protocol` to `peer`: on a connection already open when there
 * is one (a direct one first, else a relayed one: the host's dial would look
 * for a direct path and may find none behind two NATs), else on a new one.
 */
export async function openStream(
  host: PlaygroundHost,
  peer: PeerId,
  protocol: string,
  signal: AbortSignal,
): Promise<Stream> {
  const connections = host.getConnections(peer).filter((connection) => connection.status === 'open')
  const connection = connections.find((candidate) => candidate.limits == null) ?? connections[0]
  if (connection != null) return connection.newStream(protocol, { signal, runOnLimitedConnection: true })
  return host.dialProtocol(peer, protocol, { signal, runOnLimitedConnection: true })
}
