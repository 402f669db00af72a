/**
 * The host's limits that more than one part reads, with their defaults, each
 * written once and checked with @weft/utils' shared checkers.
 */
import type { NodeInfo } from '@libp2p/interface'
import { checkInteger } from '@weft/utils'
import type { AutoDialerInit } from './auto-dialer.js'
import type { DialerInit } from './dialer.js'

export const VERSION = '0.1.0'

export interface ConnectionManagerInit extends DialerInit, AutoDialerInit {
  /** open connections allowed (default 300) */
  maxConnections?: number
  /** inbound connections being upgraded at once (default 10) */
  maxIncomingPendingConnections?: number
  /**
   * inbound connections being upgraded at once from one remote IP address
   * (default 3; loopback counts like any other address, `Infinity` turns the
   * cap off)
   */
  maxIncomingPendingConnectionsPerAddress?: number
  /**
   * inbound relayed connections (circuit relay STOP) being upgraded at once
   * (default half of `maxIncomingPendingConnections`, at least 1)
   */
  maxIncomingPendingRelayedConnections?: number
}

/** The connection manager's limits, resolved. */
export interface ConnectionManagerConfig {
  maxConnections: number
  maxIncomingPendingConnections: number
  maxIncomingPendingPerAddress: number
  maxIncomingPendingRelayed: number
}

export function resolveConnectionManagerConfig(init: ConnectionManagerInit = {}): ConnectionManagerConfig {
  const maxIncomingPendingConnections = checkInteger(
    'maxIncomingPendingConnections',
    init.maxIncomingPendingConnections ?? 10,
  )
  const maxIncomingPendingPerAddress = init.maxIncomingPendingConnectionsPerAddress ?? 3
  // `Infinity` turns the per-address cap off, so this one is not an integer check
  if (!(maxIncomingPendingPerAddress >= 1))
    throw new RangeError(
      `maxIncomingPendingConnectionsPerAddress must be at least 1, got ${maxIncomingPendingPerAddress}`,
    )
  return {
    maxConnections: checkMaxConnections(init.maxConnections ?? 300),
    maxIncomingPendingConnections,
    maxIncomingPendingPerAddress,
    maxIncomingPendingRelayed: checkInteger(
      'maxIncomingPendingRelayedConnections',
      init.maxIncomingPendingRelayedConnections ?? Math.max(1, Math.floor(maxIncomingPendingConnections / 2)),
    ),
  }
}

/** `maxConnections` at construction and on `setMaxConnections`. */
export function checkMaxConnections(maxConnections: number): number {
  if (!(maxConnections >= 1)) throw new RangeError(`maxConnections must be at least 1, got ${maxConnections}`)
  return maxConnections
}

/** The node info the host announces, defaulting to `weft/<VERSION> node/<node version>`. */
export function resolveNodeInfo(init?: Partial<NodeInfo>): NodeInfo {
  const name = init?.name ?? 'weft'
  const version = init?.version ?? VERSION
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node
  return {
    name,
    version,
    userAgent: init?.userAgent ?? `${name}/${version}${node == null ? '' : ` node/${node}`}`,
  }
}
