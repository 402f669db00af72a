/**
 * What a host gives a QUIC connection (`ConnectionInit`: its options, the
 * certificate, where datagrams go) and hears back from it
 * (`ConnectionEvents`), and the socket's routing table the connection tells
 * of the connection IDs it issues (`ConnectionRouting`).
 */
import type { Logger } from '@libp2p/interface'
import type { Certificate } from '@weft/tls'
import type { HandshakeResult } from '../tls/handshake-endpoint.js'
import type { StreamState } from './stream-state.js'
import type { StreamLimits } from './streams.js'

export interface ConnectionOptions {
  /** ms without traffic before the connection ends (we advertise it; the lower of both applies) */
  idleTimeout: number
  /** PING at half the idle timeout so an idle connection stays up */
  keepAlive: boolean
  /** 1-RTT packets sent under one key phase before we update keys (RFC 9001 §6) */
  keyUpdateInterval: number
  limits: StreamLimits
}

export interface ConnectionInit extends ConnectionOptions {
  role: 'client' | 'server'
  certificate: Certificate
  send: (datagram: Uint8Array) => void
  log: Logger
  /** server: the client's first DCID (Initial keys come from it) and its SCID */
  clientDcid?: Uint8Array
  clientScid?: Uint8Array
  /** the endpoint's static stateless reset key (RFC 9000 §10.3.2); a random one when absent */
  resetKey?: Uint8Array
  /** issue spare connection IDs once the handshake is confirmed (default: servers only) */
  issueConnectionIds?: boolean
  /** the socket's routing table, told of the IDs we issue and the peer's reset token in use */
  routing?: ConnectionRouting
}

export interface ConnectionRouting {
  route(id: Uint8Array): void
  /** whether `id` already routes somewhere: a new ID must not (only 32 of its bits are random) */
  isRouted(id: Uint8Array): boolean
  unroute(id: Uint8Array): void
  /** the stateless reset token that ends this connection changed (undefined: none) */
  peerResetToken(token: Uint8Array | undefined): void
}

export interface ConnectionEvents {
  established(result: HandshakeResult): void
  stream(stream: StreamState): void
  /** the connection is over; `err` unless it closed with NO_ERROR */
  closed(err?: Error): void
}
