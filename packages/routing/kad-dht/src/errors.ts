/**
 * Errors of the Kademlia DHT. Conditions @libp2p/interface names are
 * re-exported from there (`NotFoundError` when a lookup finds nothing,
 * `TimeoutError`, `InvalidMessageError`) so code matching on `.name` works
 * with weft and js-libp2p alike.
 */
export { InvalidMessageError, NotFoundError, TimeoutError } from '@libp2p/interface'

/** A record failed its namespace's validator, or has no validator. */
export class InvalidRecordError extends Error {
  static override name = 'InvalidRecordError'
  override name = 'InvalidRecordError'
}

/** A message, record or provider list exceeded one of the DHT's limits. */
export class DHTLimitError extends Error {
  static override name = 'DHTLimitError'
  override name = 'DHTLimitError'
}

/** The DHT service stopped while an operation was under way. */
export class DHTStoppedError extends Error {
  static override name = 'DHTStoppedError'
  override name = 'DHTStoppedError'
  constructor(message = 'the DHT service stopped') {
    super(message)
  }
}

/** A peer answered with a message of the wrong type or shape. */
export class UnexpectedResponseError extends Error {
  static override name = 'UnexpectedResponseError'
  override name = 'UnexpectedResponseError'
}
