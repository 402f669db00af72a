/** Options of mDNS discovery, their defaults (each written once) and their checks. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import type { MulticastSocket, SocketOptions } from './mdns.js'
import { DEFAULT_PARSE_LIMITS, DEFAULT_SERVICE_TAG, type ParseLimits } from './packet.js'

export const DEFAULT_INTERVAL = 10_000
export const DEFAULT_PORT = 5353
export const DEFAULT_IP = '224.0.0.251'
export const DEFAULT_MAX_PEERS = 1000
export const DEFAULT_MIN_RESPONSE_INTERVAL = 250

export interface MdnsInit extends Partial<ParseLimits> {
  /** ms between queries (default 10 000) */
  interval?: number
  /** the DNS-SD service name (default '_p2p._udp.local') */
  serviceTag?: string
  /** our instance label (default: 32 random lower-case letters and digits) */
  peerName?: string
  /** answer queries with our addresses (default true) */
  broadcast?: boolean
  /** UDP port (default 5353) */
  port?: number
  /** multicast group (default '224.0.0.251') */
  ip?: string
  /** the IPv4 address of the interface to use (default: the system's choice) */
  interface?: string
  /** announce loopback addresses too (default false: the spec says not to) */
  announceLoopback?: boolean
  /** peers remembered to suppress repeats (default 1 000) */
  maxPeers?: number
  /** ms between two responses of ours (default 250) */
  minResponseInterval?: number
  /** makes the socket (default: `multicast-dns`); tests pass an in-memory one */
  socket?: (options: SocketOptions) => MulticastSocket
}

/** `MdnsInit` with every default filled in and checked, but the socket maker and the random `peerName`. */
export interface MdnsConfig {
  readonly interval: number
  readonly serviceTag: string
  readonly peerName?: string
  readonly broadcast: boolean
  readonly socketOptions: Readonly<SocketOptions>
  readonly announceLoopback: boolean
  /** what one packet may hold; `maxPeers` is also capped by `DEFAULT_PARSE_LIMITS` */
  readonly limits: Readonly<ParseLimits>
  readonly maxPeers: number
  readonly minResponseInterval: number
  readonly socket?: (options: SocketOptions) => MulticastSocket
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: MdnsInit = {}): MdnsConfig {
  // checked in the order the options are documented, so the first bad one is reported
  const interval = checkPositive('interval', init.interval ?? DEFAULT_INTERVAL)
  const maxRecords = checkInteger('maxRecords', init.maxRecords ?? DEFAULT_PARSE_LIMITS.maxRecords, 1)
  const maxAddresses = checkInteger('maxAddresses', init.maxAddresses ?? DEFAULT_PARSE_LIMITS.maxAddresses, 1)
  const maxPeers = checkInteger('maxPeers', init.maxPeers ?? DEFAULT_MAX_PEERS, 1)
  return {
    interval,
    serviceTag: init.serviceTag ?? DEFAULT_SERVICE_TAG,
    peerName: init.peerName,
    broadcast: init.broadcast !== false,
    socketOptions: { port: init.port ?? DEFAULT_PORT, ip: init.ip ?? DEFAULT_IP, interface: init.interface },
    announceLoopback: init.announceLoopback ?? false,
    limits: {
      maxRecords,
      maxAddresses,
      maxPeers: Math.min(maxPeers, DEFAULT_PARSE_LIMITS.maxPeers),
    },
    maxPeers,
    minResponseInterval: checkNonNegative(
      'minResponseInterval',
      init.minResponseInterval ?? DEFAULT_MIN_RESPONSE_INTERVAL,
    ),
    socket: init.socket,
  }
}
