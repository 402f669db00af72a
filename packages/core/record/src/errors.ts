/**
 * Errors thrown by @weft/record. Malformed bytes, a bad signature and a
 * broken limit are distinct classes, each with a stable `name`.
 */
export { UnexpectedPeerError } from '@libp2p/interface'

/** The envelope's signature does not verify for the given domain. */
export class InvalidSignatureError extends Error {
  static override name = 'InvalidSignatureError'
  override name = 'InvalidSignatureError'
}

/** Envelope bytes are not a well-formed RFC 0002 `Envelope` message. */
export class InvalidEnvelopeError extends Error {
  static override name = 'InvalidEnvelopeError'
  override name = 'InvalidEnvelopeError'
}

/** Payload bytes are not a well-formed RFC 0003 `PeerRecord`, or not a peer record at all. */
export class InvalidPeerRecordError extends Error {
  static override name = 'InvalidPeerRecordError'
  override name = 'InvalidPeerRecordError'
}

/** Input is larger, or holds more items, than the decoder accepts. */
export class LimitExceededError extends Error {
  static override name = 'LimitExceededError'
  override name = 'LimitExceededError'
  constructor(
    readonly what: string,
    readonly limit: number,
    readonly actual: number,
  ) {
    super(`expected at most ${limit} ${what}, got ${actual}`)
  }
}
