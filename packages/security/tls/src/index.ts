/**
 * @weft/tls: the libp2p `/tls/1.0.0` connection encrypter (libp2p/specs
 * tls/tls.md) on node:tls: TLS 1.3, mutual authentication with self-signed
 * certificates carrying the libp2p Public Key Extension, and stream muxer
 * negotiation in ALPN (connections/inlined-muxer-negotiation.md).
 *
 * `tls(init)(components)` gives a @libp2p/interface `ConnectionEncrypter`
 * usable by weft's host and by js-libp2p's `createLibp2p`. `secureInbound` /
 * `secureOutbound` run the handshake on any MessageStream and return the
 * secured MessageStream, the remote's PeerId and, when ALPN agreed on one,
 * the `StreamMuxerFactory` (otherwise the upgrader uses multistream-select).
 *
 * @example
 * ```ts
 * import { tls } from '@weft/tls'
 * import { generateKeyPair } from '@weft/crypto'
 * import { peerIdFromPrivateKey } from '@weft/peer-id'
 * import { defaultLogger, streamPair } from '@weft/utils'
 *
 * const key = await generateKeyPair('Ed25519')
 * const other = await generateKeyPair('Ed25519')
 * const a = tls()({ privateKey: key, peerId: peerIdFromPrivateKey(key), logger: defaultLogger() })
 * const b = tls()({ privateKey: other, peerId: peerIdFromPrivateKey(other), logger: defaultLogger() })
 * const [x, y] = streamPair()
 * const [outbound] = await Promise.all([
 *   a.secureOutbound(x, { remotePeer: peerIdFromPrivateKey(other) }),
 *   b.secureInbound(y),
 * ])
 * outbound.connection.send(new TextEncoder().encode('hello'))
 * ```
 *
 * Options (`TlsInit`):
 * - `streamMuxers`: muxer protocols to offer in ALPN before `libp2p`
 *   (default: the upgrader's, in its order; none when the upgrader sets
 *   `skipStreamMuxerNegotiation`);
 * - `handshakeTimeout`: ms a handshake may take (default 30 000; 0 = none),
 *   on top of the caller's `options.signal`;
 * - `closeTimeout`: ms a graceful close may take (default 5 000).
 *
 * Errors: `UnexpectedPeerError` when `options.remotePeer` does not match;
 * `InvalidCertificateError` (with `problem`) for a certificate the spec
 * refuses; `InvalidCryptoExchangeError` when TLS itself fails (alert, no
 * common ALPN protocol, connection closed); `HandshakeTimeoutError`; the
 * signal's reason when `options.signal` aborts.
 *
 * `generateCertificate` / `verifyCertificate` are exported for QUIC, which
 * uses the same certificate.
 */
import type { ConnectionEncrypter } from '@libp2p/interface'
import { Tls, type TlsComponents, type TlsInit } from './tls.js'

export {
  CERTIFICATE_VALIDITY_MS,
  type Certificate,
  generateCertificate,
  LIBP2P_EXTENSION_OID,
  MAX_CERTIFICATE_LENGTH,
  SIGNATURE_PREFIX,
  type VerifiedCertificate,
  verifyCertificate,
} from './certificate.js'
export * from './errors.js'
export {
  ALPN_LIBP2P,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_HANDSHAKE_TIMEOUT,
  PROTOCOL,
  Tls,
  type TlsComponents,
  type TlsInit,
} from './tls.js'
export { TlsStream } from './tls-stream.js'

/** The `/tls/1.0.0` encrypter factory, shaped like js-libp2p's `tls()`. */
export function tls(init: TlsInit = {}): (components: TlsComponents) => ConnectionEncrypter {
  return (components) => new Tls(components, init)
}
