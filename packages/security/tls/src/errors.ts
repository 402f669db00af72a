/**
 * Errors of @weft/tls. A peer-id mismatch and a failed handshake use the
 * classes of @libp2p/interface (`UnexpectedPeerError`,
 * `InvalidCryptoExchangeError`) so code that matches on `.name` works the same
 * as with js-libp2p's encrypters.
 */
export { InvalidCryptoExchangeError, UnexpectedPeerError } from '@libp2p/interface'

/** Bytes that are not the DER this package reads (truncated, indefinite, non-minimal, wrong tag). */
export class InvalidDerError extends Error {
  static override name = 'InvalidDerError'
  override name = 'InvalidDerError'
}

/** Why a certificate was refused (libp2p/specs tls/tls.md, "Peer Authentication"). */
export type CertificateProblem =
  | 'missing-certificate'
  | 'malformed'
  | 'too-large'
  | 'chain-length'
  | 'not-yet-valid'
  | 'expired'
  | 'bad-self-signature'
  | 'unique-id-present'
  | 'missing-extension'
  | 'duplicate-extension'
  | 'unknown-critical-extension'
  | 'bad-extension'
  | 'bad-host-key'
  | 'bad-host-signature'

/** The remote's certificate breaks the libp2p TLS rules; `problem` says which. */
export class InvalidCertificateError extends Error {
  static override name = 'InvalidCertificateError'
  override name = 'InvalidCertificateError'

  constructor(
    readonly problem: CertificateProblem,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** The handshake did not finish within `handshakeTimeout`. */
export class HandshakeTimeoutError extends Error {
  static override name = 'HandshakeTimeoutError'
  override name = 'HandshakeTimeoutError'
}
