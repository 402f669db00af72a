/**
 * Errors of @weft/mqtt-signalling, matched on `.name`. Every rejected
 * incoming message is one of the first seven (the `'reject'` event carries
 * it); the rest come out of the service's own calls.
 */

/** The bytes are not a signalling message (bad protobuf, missing field, wrong version, not for us). */
export class InvalidSignalError extends Error {
  static override name = 'InvalidSignalError'
  override name = 'InvalidSignalError'
}

/** The seal did not open with our key: tampered, or sealed to someone else. */
export class UnsealFailedError extends Error {
  static override name = 'UnsealFailedError'
  override name = 'UnsealFailedError'
}

/** The signature does not verify against the sender's key, or the key is not the sender's peer id. */
export class InvalidSignatureError extends Error {
  static override name = 'InvalidSignatureError'
  override name = 'InvalidSignatureError'
}

/** The message's expiry has passed, or lies beyond the accepted window (so it could not be remembered until then). */
export class ExpiredSignalError extends Error {
  static override name = 'ExpiredSignalError'
  override name = 'ExpiredSignalError'
}

/** A message with this nonce was already accepted (a replay, or the same message through a second broker). */
export class ReplayedSignalError extends Error {
  static override name = 'ReplayedSignalError'
  override name = 'ReplayedSignalError'
}

/** A message (or its payload) is larger than the configured bound. */
export class SignalTooLargeError extends Error {
  static override name = 'SignalTooLargeError'
  override name = 'SignalTooLargeError'
  constructor(
    readonly size: number,
    readonly limit: number,
    what = 'signalling message',
  ) {
    super(`expected a ${what} of at most ${limit} bytes, got ${size}`)
  }
}

/** A sender (or all senders together) went over the inbound rate. */
export class SignalRateLimitError extends Error {
  static override name = 'SignalRateLimitError'
  override name = 'SignalRateLimitError'
}

/** The recipient's peer id carries no Ed25519 key, so nothing can be sealed to it. */
export class UnsupportedRecipientError extends Error {
  static override name = 'UnsupportedRecipientError'
  override name = 'UnsupportedRecipientError'
}

/** No configured broker is connected: nothing can be sent now (the brokers keep reconnecting). */
export class NoBrokerError extends Error {
  static override name = 'NoBrokerError'
  override name = 'NoBrokerError'
}

/** A broker refused or failed a publish. */
export class PublishFailedError extends Error {
  static override name = 'PublishFailedError'
  override name = 'PublishFailedError'
}

/** A request got no answer in time. */
export class SignallingTimeoutError extends Error {
  static override name = 'TimeoutError'
  override name = 'TimeoutError'
}

/** The remote peer answered a dial-back request with a failure (the reason is in the message). */
export class DialBackFailedError extends Error {
  static override name = 'DialBackFailedError'
  override name = 'DialBackFailedError'
}

/** The service is not started, or stopped while the call was in flight. */
export class SignallingStoppedError extends Error {
  static override name = 'SignallingStoppedError'
  override name = 'SignallingStoppedError'
}

/** A reply that names no request of ours (or comes from another peer than the one asked). */
export class UnsolicitedReplyError extends Error {
  static override name = 'UnsolicitedReplyError'
  override name = 'UnsolicitedReplyError'
}

/** Too many of our requests are waiting for a reply. */
export class TooManyRequestsError extends Error {
  static override name = 'TooManyRequestsError'
  override name = 'TooManyRequestsError'
}
