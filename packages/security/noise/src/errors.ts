/**
 * Errors of @weft/noise. A peer-id mismatch and a failed key exchange use the
 * classes of @libp2p/interface (`UnexpectedPeerError`,
 * `InvalidCryptoExchangeError`) so code that matches on `.name` works the same
 * with js-libp2p's noise.
 */
export { InvalidCryptoExchangeError, UnexpectedPeerError } from '@libp2p/interface'

/** A transport frame failed authentication: tampered, truncated or out of order. */
export class DecryptionError extends Error {
  static override name = 'DecryptionError'
  override name = 'DecryptionError'
}

/** A frame or handshake message is malformed (too short, too long, cut off). */
export class InvalidFrameError extends Error {
  static override name = 'InvalidFrameError'
  override name = 'InvalidFrameError'
}

/** A cipher state used all 2^64 - 1 nonces; the connection must end (Noise spec 5.1). */
export class NonceExhaustedError extends Error {
  static override name = 'NonceExhaustedError'
  override name = 'NonceExhaustedError'
}
