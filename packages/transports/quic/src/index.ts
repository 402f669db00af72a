/**
 * @weft/quic: QUIC version 1 (RFC 9000, 9001, 9002; invariants RFC 8999) in
 * TypeScript on node:crypto, with its own TLS 1.3 handshake carrying the
 * libp2p certificate: the future `/quic-v1` transport.
 *
 * State: the foundation layers, each pure (no sockets) and tested against
 * the RFCs' own vectors. There is no transport factory yet: no UDP socket,
 * no connection, no streams (see README.md).
 *
 * - wire codecs: varints (`encodeVarint`, `readVarint`), packet headers
 *   (`parsePacketHeader`, `encodeLongHeader`, `encodeShortHeader`,
 *   `encodeVersionNegotiation`), packet numbers (`packetNumberLength`,
 *   `decodePacketNumber`), every RFC 9000 frame (`decodeFrames`,
 *   `encodeFrames`), transport parameters;
 * - packet protection: `initialKeys(dcid)`, `derivePacketKeys`,
 *   `protectPacket` / `unprotectPacket`, `KeyPhase` for key updates, the
 *   Retry integrity tag;
 * - the handshake: `TlsClient` / `TlsServer` state machines fed with CRYPTO
 *   bytes per encryption level, answering with bytes to send, secrets to
 *   install and the verified remote peer.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@weft/crypto'
 * import { generateCertificate } from '@weft/tls'
 * import { encodeTransportParameters, TlsClient } from '@weft/quic'
 *
 * const key = await generateKeyPair('Ed25519')
 * const client = new TlsClient({
 *   certificate: await generateCertificate(key),
 *   transportParameters: encodeTransportParameters({ initialMaxData: 1 << 20 }),
 * })
 * const [hello] = await client.start() // { type: 'send', level: 'initial', data: ClientHello }
 * ```
 *
 * Errors: connection errors are `QuicTransportError`s carrying the RFC 9000
 * §20 code (`FrameEncodingError`, `TransportParameterError`,
 * `ProtocolViolationError`, `CryptoError` with the TLS alert); packets that
 * cannot be read or opened throw `MalformedPacketError` / `DecryptionError`
 * and are to be dropped.
 *
 * Logging namespace: `weft:quic`.
 */

export { AckTracker } from './ack-tracker.js'
export { ByteReader } from './byte-reader.js'
export { ByteWriter } from './byte-writer.js'
export * from './cipher-suite.js'
export { ClientConnection, type ClientConnectionInit, MIN_INITIAL_DATAGRAM } from './client-connection.js'
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
export * from './transport-parameters.js'
export * from './varint.js'
