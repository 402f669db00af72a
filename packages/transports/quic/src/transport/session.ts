/**
 * Glue between a `QuicConnection` and libp2p: once the handshake completes,
 * the connection gets its `QuicMuxer` (before any stream frame is handled)
 * and its `QuicMultiaddrConnection`; when it ends, both hear it and the
 * socket forgets it. `established` rejects if the handshake fails, the
 * signal aborts, or the peer is not the one expected.
 */
import { type PeerId, UnexpectedPeerError } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { raceSignal } from '@weft/utils'
import type { QuicConnection } from '../connection/connection.js'
import { ConnectionClosedError } from '../errors.js'
import type { UdpEndpoint } from './endpoint.js'
import { QuicMultiaddrConnection } from './multiaddr-connection.js'
import { QuicMuxer } from './muxer.js'

export interface Session {
  connection: QuicConnection
  maConn: QuicMultiaddrConnection
  muxer: QuicMuxer
  remotePeer: PeerId
}

export function attach(
  connection: QuicConnection,
  endpoint: UdpEndpoint,
  remoteAddr: Multiaddr,
  direction: 'inbound' | 'outbound',
): { established: (signal?: AbortSignal, expectedPeer?: string) => Promise<Session> } {
  const previous = connection.events
  let session: Session | undefined
  let settle: { resolve: (session: Session) => void; reject: (err: Error) => void } | undefined
  const ready = new Promise<Session>((resolve, reject) => {
    settle = { resolve, reject }
  })
  ready.catch(() => undefined)
  connection.events = {
    established: (result) => {
      previous.established(result)
      const muxer = new QuicMuxer(connection, connection.log)
      const maConn = new QuicMultiaddrConnection(connection, { remoteAddr, direction, log: connection.log })
      session = { connection, maConn, muxer, remotePeer: result.peerId }
      settle?.resolve(session)
    },
    stream: () => {},
    closed: (err) => {
      previous.closed(err)
      endpoint.release(connection)
      settle?.reject(err ?? new ConnectionClosedError('the connection closed during the handshake'))
      session?.muxer.connectionClosed()
      session?.maConn.connectionClosed(err)
    },
  }
  return {
    established: async (signal, expectedPeer) => {
      try {
        const result = await raceSignal(ready, signal)
        if (expectedPeer != null && result.remotePeer.toString() !== expectedPeer) {
          throw new UnexpectedPeerError(
            `expected ${expectedPeer}, the peer is ${result.remotePeer.toString()}`,
          )
        }
        return result
      } catch (err) {
        connection.fail(err as Error)
        throw err
      }
    },
  }
}
