/**
 * When a connection's timers are due (ms since the epoch; undefined: not
 * armed): the ACK delay (RFC 9000 §13.2.1: Initial and Handshake at once,
 * 1-RTT within 5 ms, below our max_ack_delay), the idle timeout (§10.1: at
 * least three PTOs) and the keep-alive PING at half of it.
 */
import type { EncryptionLevel } from '../tls/handshake-endpoint.js'
import type { QuicConnection } from './connection.js'

const LEVELS: readonly EncryptionLevel[] = ['initial', 'handshake', 'one-rtt']
/** ms an ACK of 1-RTT packets may wait for more packets to acknowledge */
export const ACK_DELAY = 5

export function ackDeadline(connection: QuicConnection): number | undefined {
  let at: number | undefined
  for (const level of LEVELS) {
    const space = connection.spaces[level]
    const canWrite =
      level === 'one-rtt' ? connection.oneRtt != null && connection.result != null : space.write != null
    if (!space.acks.ackPending || !canWrite) continue
    const due = level === 'one-rtt' ? space.largestReceivedTime + ACK_DELAY : 0
    at = at == null ? due : Math.min(at, due)
  }
  return at
}

export function idleDeadline(connection: QuicConnection): number | undefined {
  if (connection.idleTimeout <= 0) return undefined
  return connection.lastActivity + Math.max(connection.idleTimeout, 3 * connection.recovery.ptoPeriod)
}

export function keepAliveDeadline(connection: QuicConnection): number | undefined {
  if (!connection.init.keepAlive || connection.idleTimeout <= 0 || connection.state !== 'established') {
    return undefined
  }
  return Math.max(connection.lastActivity, connection.lastAckElicitingSent) + connection.idleTimeout / 2
}
