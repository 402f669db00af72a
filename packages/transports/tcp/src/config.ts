/** Options of the TCP transport, their defaults (each written once) and their checks. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'

export const DEFAULT_INACTIVITY_TIMEOUT = 120_000
export const DEFAULT_CLOSE_TIMEOUT = 500
export const DEFAULT_DIAL_TIMEOUT = 10_000
export const DEFAULT_MAX_CONNECTIONS = 10_000

export interface TcpInit {
  /** ms without traffic before an accepted socket is destroyed; 0 disables (default 120 000) */
  inboundSocketInactivityTimeout?: number
  /** ms without traffic before a dialled socket is destroyed; 0 disables (default 120 000) */
  outboundSocketInactivityTimeout?: number
  /** ms a graceful `close()` may take before the socket is destroyed (default 500) */
  closeTimeout?: number
  /** ms to establish the TCP connection (default 10 000); the dial's `signal` applies too */
  dialTimeout?: number
  /** sockets a listener holds at once; more are refused by the server (default 10 000) */
  maxConnections?: number
  /** length of the kernel's queue of pending connections (default: Node's, 511) */
  backlog?: number
  /** disable Nagle's algorithm (default true: latency matters more than packet count) */
  noDelay?: boolean
  /** enable TCP keep-alive probes (default false) */
  keepAlive?: boolean
  /** stay writable after the remote's FIN instead of closing (default false) */
  allowHalfOpen?: boolean
  /** unread bytes a connection buffers before it aborts (default @weft/utils', 4 MiB) */
  maxReadBufferLength?: number
  /** unsent bytes a connection buffers before it aborts (default unlimited: callers honour `send()`) */
  maxWriteBufferLength?: number
  /**
   * bind every dialled socket (to the wildcard address, port 0) before
   * connecting, which makes libuv set SO_REUSEADDR on it, so a later dial with
   * `localPort` may share its port: DCUtR's TCP simultaneous open (default true)
   */
  shareDialPorts?: boolean
}

/** `TcpInit` with every default filled in and checked. */
export interface TcpConfig {
  readonly inboundSocketInactivityTimeout: number
  readonly outboundSocketInactivityTimeout: number
  readonly closeTimeout: number
  readonly dialTimeout: number
  readonly maxConnections: number
  readonly backlog?: number
  readonly noDelay: boolean
  readonly keepAlive: boolean
  readonly allowHalfOpen: boolean
  readonly maxReadBufferLength?: number
  readonly maxWriteBufferLength?: number
  readonly shareDialPorts: boolean
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: TcpInit = {}): TcpConfig {
  return {
    inboundSocketInactivityTimeout: checkNonNegative(
      'inboundSocketInactivityTimeout',
      init.inboundSocketInactivityTimeout ?? DEFAULT_INACTIVITY_TIMEOUT,
    ),
    outboundSocketInactivityTimeout: checkNonNegative(
      'outboundSocketInactivityTimeout',
      init.outboundSocketInactivityTimeout ?? DEFAULT_INACTIVITY_TIMEOUT,
    ),
    closeTimeout: checkNonNegative('closeTimeout', init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT),
    dialTimeout: checkPositive('dialTimeout', init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT),
    maxConnections: checkInteger('maxConnections', init.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
    backlog: init.backlog,
    noDelay: init.noDelay ?? true,
    keepAlive: init.keepAlive ?? false,
    allowHalfOpen: init.allowHalfOpen ?? false,
    maxReadBufferLength: init.maxReadBufferLength,
    maxWriteBufferLength: init.maxWriteBufferLength,
    shareDialPorts: init.shareDialPorts ?? true,
  }
}
