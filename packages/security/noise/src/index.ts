/**
 * @weft/noise: the libp2p `/noise` connection encrypter,
 * Noise_XX_25519_ChaChaPoly_SHA256 (Noise Protocol Framework rev 34) as
 * libp2p/specs noise/README.md profiles it, with stream muxer negotiation
 * inside the handshake (connections/inlined-muxer-negotiation.md).
 *
 * `noise(init)(components)` gives a @libp2p/interface `ConnectionEncrypter`
 * usable by weft's host and by js-libp2p's `createLibp2p`. `secureInbound` /
 * `secureOutbound` run the handshake on any MessageStream and return a new
 * MessageStream that encrypts and decrypts, plus the remote's PeerId, its
 * handshake extensions and, when both sides offered muxers, the agreed
 * `StreamMuxerFactory` (otherwise the upgrader uses multistream-select).
 *
 * @example
 * ```ts
 * import { noise } from '@weft/noise'
 * import { generateKeyPair } from '@weft/crypto'
 * import { peerIdFromPrivateKey } from '@weft/peer-id'
 * import { defaultLogger, streamPair } from '@weft/utils'
 *
 * const key = await generateKeyPair()
 * const encrypter = noise()({ privateKey: key, peerId: peerIdFromPrivateKey(key), logger: defaultLogger() })
 * const [a, b] = streamPair()
 * const [outbound, inbound] = await Promise.all([
 *   encrypter.secureOutbound(a, { signal: AbortSignal.timeout(5000) }),
 *   encrypter.secureInbound(b, { signal: AbortSignal.timeout(5000) }),
 * ])
 * outbound.connection.send(new TextEncoder().encode('hello'))
 * ```
 *
 * Options (`NoiseInit`):
 * - `staticNoiseKey`: 32-byte X25519 private key (default: fresh per instance);
 * - `extensions.streamMuxers`: muxer protocols to offer (default: the
 *   upgrader's, in its order; none when `skipStreamMuxerNegotiation` is set);
 * - `prologueBytes`: Noise prologue (default: empty);
 * - `crypto`: the primitives (default `nodeCrypto`; `nobleCrypto` is pure JS);
 * - `handshakeTimeout`: ms a handshake may take at most (default 30 000, 0 =
 *   none), on top of the caller's `options.signal`.
 *
 * Errors: `UnexpectedPeerError` when `options.remotePeer` does not match,
 * `InvalidCryptoExchangeError` for a bad key, signature or handshake message,
 * the signal's reason when `options.signal` aborts. On the secured stream a
 * tampered frame aborts it with `DecryptionError`.
 */
import type { ConnectionEncrypter } from '@libp2p/interface'
import { Noise, type NoiseComponents, type NoiseInit } from './noise.js'
import type { NoiseExtensions } from './payload.js'

export type { NoiseCrypto, X25519KeyPair } from './crypto/index.js'
export { nobleCrypto } from './crypto/noble.js'
export { nodeCrypto } from './crypto/node.js'
export { EncryptedStream } from './encrypted-stream.js'
export * from './errors.js'
export { MAX_PLAINTEXT_LENGTH } from './frames.js'
export { MAX_MESSAGE_LENGTH, PROTOCOL_NAME } from './handshake-state.js'
export { DEFAULT_HANDSHAKE_TIMEOUT, Noise, type NoiseComponents, type NoiseInit, PROTOCOL } from './noise.js'
export type { NoiseExtensions, NoiseHandshakePayload } from './payload.js'

/** The `/noise` encrypter factory, shaped like js-libp2p's `noise()`. */
export function noise(
  init: NoiseInit = {},
): (components: NoiseComponents) => ConnectionEncrypter<NoiseExtensions> {
  return (components) => new Noise(components, init)
}
