/**
 * The connection an AutoNAT request goes over: an open direct one to the
 * server if there is one, else a new one (a relayed connection would make the
 * server dial back through the relay's view of us, which proves nothing).
 */
import type { AbortOptions, Connection, PeerId } from '@libp2p/interface'
import { isRelayedAddress } from './addresses.js'

/** What of the host's connection manager it needs. */
export interface Connections {
  getConnections(peerId?: PeerId): Connection[]
  openConnection(peer: PeerId, options?: AbortOptions): Promise<Connection>
}

export async function directConnection(
  connectionManager: Connections,
  peer: PeerId,
  options: AbortOptions,
): Promise<Connection> {
  const open = connectionManager
    .getConnections(peer)
    .find((candidate) => candidate.status === 'open' && !isRelayedAddress(candidate.remoteAddr))
  return open ?? connectionManager.openConnection(peer, options)
}
