/**
 * The connection side of the IDs we issue (RFC 9000 §5.1.1, §19.15, §19.16):
 * spares go out with NEW_CONNECTION_ID once the handshake is confirmed, each
 * routed by the socket before the peer can use it; a retired ID is unrouted
 * and replaced. The bookkeeping is `LocalConnectionIds`.
 */
import type { Frame } from '../frame.js'
import type { QuicConnection } from './connection.js'

/** Spares up to the peer's active_connection_id_limit (capped), queued as 1-RTT frames. */
export function issueConnectionIds(connection: QuicConnection): void {
  const limit = connection.peerParameters?.activeConnectionIdLimit
  // a client's spares would serve a server changing paths, which QUIC v1 servers do not
  const issuing = connection.init.issueConnectionIds ?? !connection.isClient
  if (limit == null || !issuing || connection.closed) return
  const frames = connection.localConnectionIds.issue(limit)
  for (const frame of frames) connection.init.routing?.route(frame.connectionId)
  // queued like lost frames: sent with the next 1-RTT packet, and again if lost
  connection.spaces['one-rtt'].retransmit.push(...frames)
  if (frames.length > 0) connection.scheduleFlush()
}

/** The peer stops using one of our IDs (RFC 9000 §19.16): unrouted, and replaced to keep its count. */
export function onRetireConnectionId(
  connection: QuicConnection,
  frame: Extract<Frame, { type: 'retire-connection-id' }>,
): void {
  // an endpoint that issues no spares (a client, by default) has only its handshake ID to lose;
  // it keeps using it as before
  if (!connection.localConnectionIds.issuing) return
  const { retired, replacement } = connection.localConnectionIds.retire(
    frame.sequence,
    connection.receivingDcid,
  )
  if (retired != null) connection.init.routing?.unroute(retired)
  if (replacement == null) return
  connection.init.routing?.route(replacement.connectionId)
  connection.spaces['one-rtt'].retransmit.push(replacement)
  connection.scheduleFlush()
}
