/**
 * How a punched TCP connection is upgraded: the spec makes A the client and
 * B the server of the new connection, whichever side's connect() returned
 * the socket (both did, in a simultaneous open).
 */
import type { PeerId, Upgrader, UpgraderOptions } from '@libp2p/interface'
import { wrapUpgrader } from '@weft/utils'

/**
 * The upgrader for a punched connection: the dialing socket is upgraded as
 * the client (A, `initiator`) or the server (B) the spec assigns, whichever
 * side's connect() returned it, and must reach `remotePeer`.
 */
export function withRole(upgrader: Upgrader, remotePeer: PeerId, initiator: boolean): Upgrader {
  return wrapUpgrader(upgrader, async (maConn, opts) => {
    // the muxer picks its role (e.g. yamux stream id parity) from the direction
    if (!initiator) maConn.direction = 'inbound'
    return upgrader.upgradeOutbound(maConn, { ...opts, initiator, remotePeer } as UpgraderOptions)
  })
}
