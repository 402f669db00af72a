/**
 * @weft/quic: the `/quic-v1` transport. QUIC version 1 (RFC 9000, 9001,
 * 9002; invariants RFC 8999) in TypeScript on node:dgram and node:crypto,
 * with its own TLS 1.3 handshake carrying the libp2p certificate.
 *
 * @example
 * ```ts
 * import { createHost } from '@weft/host'
 * import { quic } from '@weft/quic'
 *
 * const host = await createHost({
 *   addresses: { listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] },
 *   transports: [quic()],
 * })
 * ```
 *
 * A QUIC connection is already secure and multiplexed: the transport hands
 * the upgrader its own muxer (`/quic`) and skips encryption; each QUIC
 * bidirectional stream is one libp2p stream. One UDP socket per listen
 * address serves listening and dialing (a dial reuses a listening socket of
 * its family).
 *
 * Options (`QuicInit`): `dialTimeout` (10 s), `handshakeTimeout` (10 s),
 * `maxConnections` per socket (1 024), `maxHandshakes` per socket (128),
 * `maxIdleTimeout` (30 s), `keepAlive` (true), `maxInboundStreams` (256),
 * `streamWindow` (1 MiB), `connectionWindow` (4 MiB), `writeHighWater`
 * (256 KiB), `keyUpdateInterval` (2^20 packets).
 *
 * Also exported, pure and tested against the RFCs' vectors: the wire codecs
 * (varints, packet headers, packet numbers, frames, transport parameters),
 * packet protection and key update, the TLS 1.3 client and server state
 * machines, and the sans-I/O `QuicConnection`.
 *
 * Hole punching: `QuicTransport.sendDatagram(host, port, bytes)` sends a
 * small non-QUIC probe from the listening socket (the endpoint drops such
 * datagrams unread), and a dial's `socket` option dials from an already
 * bound `dgram.Socket`, which the transport then owns.
 *
 * Errors: connection errors are `QuicTransportError`s carrying the RFC 9000
 * §20 code; packets that cannot be read or opened are dropped.
 *
 * Logging namespace: `weft:quic`.
 */

import type { Transport } from '@libp2p/interface'
import type { QuicInit } from './transport/config.js'
import { type QuicComponents, type QuicDialOptions, QuicTransport } from './transport/transport.js'

export { AckTracker } from './ack-tracker.js'
export { ByteReader } from './byte-reader.js'
export { ByteWriter } from './byte-writer.js'
export * from './cipher-suite.js'
export { ClientConnection, type ClientConnectionInit, MIN_INITIAL_DATAGRAM } from './client-connection.js'
export {
  type ConnectionEvents,
  type ConnectionInit,
  type ConnectionOptions,
  QuicConnection,
} from './connection/connection.js'
export * from './errors.js'
export * from './frame.js'
export { decodeFrame, decodeFrames } from './frame-decoder.js'
export { type EncodeOptions, encodeFrame, encodeFrames } from './frame-encoder.js'
export { deriveSecret, hkdfExpand, hkdfExpandLabel, hkdfExtract } from './hkdf.js'
export { KeyPhase, type ReadKeyChoice } from './key-phase.js'
export * from './packet-header.js'
export * from './packet-keys.js'
export * from './packet-number.js'
export * from './packet-protection.js'
export { ReassemblyBuffer, ReassemblyLimitError } from './reassembly-buffer.js'
export { encodeRetry, retryIntegrityTag, verifyRetry } from './retry.js'
export {
  DEFAULT_ALPN,
  type EncryptionLevel,
  type HandshakeEvent,
  type HandshakeInit,
  type HandshakeResult,
  MAX_HANDSHAKE_MESSAGE,
} from './tls/handshake-endpoint.js'
export { KeySchedule, Transcript } from './tls/key-schedule.js'
export { TlsClient } from './tls/tls-client.js'
export { TlsServer } from './tls/tls-server.js'
export { isDialable, isQuicAddress } from './transport/addresses.js'
export { type QuicConfig, type QuicInit, resolveConfig } from './transport/config.js'
export { MUXER_PROTOCOL } from './transport/muxer.js'
export * from './transport-parameters.js'
export * from './varint.js'
export { type QuicComponents, type QuicDialOptions, QuicTransport }

/** The QUIC transport factory: `quic(init)(components)`. */
export function quic(init: QuicInit = {}): (components: QuicComponents) => Transport {
  return (components) => new QuicTransport(init, components)
}
