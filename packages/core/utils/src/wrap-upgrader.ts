/**
 * An `Upgrader` that changes how outbound connections are upgraded and
 * passes everything else to `upgrader`: the way to give one dial its own
 * expectations (the remote peer, the initiator role of a hole punch)
 * without writing out the interface's five methods again.
 */
import type { Connection, MultiaddrConnection, Upgrader, UpgraderOptions } from '@libp2p/interface'

export function wrapUpgrader(
  upgrader: Upgrader,
  upgradeOutbound: (maConn: MultiaddrConnection, opts: UpgraderOptions) => Promise<Connection>,
): Upgrader {
  return {
    upgradeOutbound,
    upgradeInbound: async (maConn, opts) => upgrader.upgradeInbound(maConn, opts),
    createInboundAbortSignal: (signal) => upgrader.createInboundAbortSignal(signal),
    getConnectionEncrypters: () => upgrader.getConnectionEncrypters(),
    getStreamMuxers: () => upgrader.getStreamMuxers(),
  }
}
