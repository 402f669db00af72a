/** Options of the ping service, their defaults (each written once) and their checks. */
import { checkInteger, checkPositive } from '@weft/utils'

export const PROTOCOL_PREFIX = 'ipfs'
export const PROTOCOL_NAME = 'ping'
export const PROTOCOL_VERSION = '1.0.0'
export const DEFAULT_TIMEOUT = 10_000
/** rust-libp2p pings every 15 s on one stream: idle streams must outlive that */
export const DEFAULT_IDLE_TIMEOUT = 60_000
/** "The listening peer SHOULD accept at most two streams per peer" (ping.md) */
export const DEFAULT_MAX_INBOUND_STREAMS = 2
/** "The dialing peer MUST NOT keep more than one outbound stream ... per peer" (ping.md) */
export const DEFAULT_MAX_OUTBOUND_STREAMS = 1

export interface PingInit {
  /** protocol id is `/<prefix>/ping/1.0.0` (default 'ipfs') */
  protocolPrefix?: string
  /** concurrent inbound ping streams per connection (default 2) */
  maxInboundStreams?: number
  /** concurrent outbound ping streams per connection (default 1) */
  maxOutboundStreams?: number
  /** milliseconds one `ping()` may take, dialing included (default 10 000) */
  timeout?: number
  /** milliseconds an inbound stream may stay without a payload before it is reset (default 60 000) */
  idleTimeout?: number
  /** answer and send pings over limited (relayed) connections (default true) */
  runOnLimitedConnection?: boolean
}

/** `PingInit` with every default filled in and checked. */
export interface PingConfig {
  readonly protocol: string
  readonly maxInboundStreams: number
  readonly maxOutboundStreams: number
  readonly timeout: number
  readonly idleTimeout: number
  readonly runOnLimitedConnection: boolean
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: PingInit = {}): PingConfig {
  return {
    protocol: `/${init.protocolPrefix ?? PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`,
    maxInboundStreams: checkInteger(
      'maxInboundStreams',
      init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS,
      1,
    ),
    maxOutboundStreams: checkInteger(
      'maxOutboundStreams',
      init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS,
      1,
    ),
    timeout: checkPositive('timeout', init.timeout ?? DEFAULT_TIMEOUT),
    idleTimeout: checkPositive('idleTimeout', init.idleTimeout ?? DEFAULT_IDLE_TIMEOUT),
    runOnLimitedConnection: init.runOnLimitedConnection ?? true,
  }
}
