/**
 * @weft/mdns: libp2p peer discovery over multicast DNS on the local network
 * (libp2p/specs discovery/mdns.md), compatible with js-libp2p's
 * `@libp2p/mdns`. The service queries `_p2p._udp.local PTR` at start and
 * every `interval`, answers such queries with our addresses as
 * `dnsaddr=<multiaddr>/p2p/<id>` TXT records, and emits `'peer'` for every
 * peer it hears; the host puts those in its peer store, emits
 * `peer:discovery`, and dials them while below its low watermark.
 *
 * ```ts
 * import { createHost } from '@weft/host'
 * import { mdns } from '@weft/mdns'
 *
 * const host = await createHost({
 *   addresses: { listen: ['/ip4/0.0.0.0/tcp/0'] },
 *   transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()],
 *   services: { mdns: mdns() },
 * })
 * host.addEventListener('peer:discovery', (evt) => console.log(evt.detail.id.toString()))
 * ```
 *
 * Options (`MdnsInit`): `interval` = 10 000 ms, `serviceTag` =
 * '_p2p._udp.local', `peerName` (random), `broadcast` = true, `port` = 5353,
 * `ip` = '224.0.0.251', `interface` (IPv4 address of the interface),
 * `announceLoopback` = false, `maxPeers` = 1 000, `maxRecords` = 64,
 * `maxAddresses` = 32, `minResponseInterval` = 250 ms, `socket` (a factory,
 * for tests).
 */
import type { MdnsInit } from './config.js'
import { type MdnsComponents, MulticastDNS } from './mdns.js'

export {
  DEFAULT_INTERVAL,
  DEFAULT_IP,
  DEFAULT_MAX_PEERS,
  DEFAULT_MIN_RESPONSE_INTERVAL,
  DEFAULT_PORT,
  type MdnsConfig,
  type MdnsInit,
  resolveConfig,
} from './config.js'
export { MulticastSocketError } from './errors.js'
export {
  type MdnsComponents,
  MulticastDNS,
  type MulticastSocket,
  type SocketOptions,
} from './mdns.js'
export {
  DEFAULT_PARSE_LIMITS,
  DEFAULT_SERVICE_TAG,
  type DnsPacket,
  type DnsQuestion,
  type DnsRecord,
  dnsaddr,
  type ParseLimits,
  parseDnsaddr,
  parseResponse,
  peerQuery,
  peerResponse,
  queryKind,
} from './packet.js'

export function mdns(init: MdnsInit = {}): (components: MdnsComponents) => MulticastDNS {
  return (components) => new MulticastDNS(components, init)
}
