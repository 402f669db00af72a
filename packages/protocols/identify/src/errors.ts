/**
 * Errors of identify. Conditions @libp2p/interface already names are its
 * classes, so code matching on `.name` works with weft and js-libp2p alike:
 * `InvalidMessageError` (malformed protobuf), `UnexpectedPeerError` (a public
 * key or record that is not the connection's remote peer), `TimeoutError`.
 * @weft/utils' `MessageTooLargeError` reports a message over `maxMessageSize`,
 * `UnexpectedEOFError` a stream that ends inside or before a message.
 */
export { InvalidMessageError, TimeoutError, UnexpectedPeerError } from '@libp2p/interface'
export { MessageTooLargeError, UnexpectedEOFError } from '@weft/utils'

/** A repeated field holds more entries than weft accepts. */
export class TooManyEntriesError extends Error {
  static override name = 'TooManyEntriesError'
  override name = 'TooManyEntriesError'
  constructor(
    readonly field: string,
    readonly limit: number,
  ) {
    super(`identify field ${field} holds more than the limit of ${limit} entries`)
  }
}

/** A stream carried more identify messages than one response may hold. */
export class TooManyMessagesError extends Error {
  static override name = 'TooManyMessagesError'
  override name = 'TooManyMessagesError'
  constructor(readonly limit: number) {
    super(`expected at most ${limit} identify messages on one stream, got more`)
  }
}

/** The signed peer record is malformed, badly signed, or signed by someone else. */
export class InvalidSignedPeerRecordError extends Error {
  static override name = 'InvalidSignedPeerRecordError'
  override name = 'InvalidSignedPeerRecordError'
}

/** The service stopped while an identify exchange was under way. */
export class IdentifyStoppedError extends Error {
  static override name = 'IdentifyStoppedError'
  override name = 'IdentifyStoppedError'
  constructor(message = 'the identify service stopped') {
    super(message)
  }
}
