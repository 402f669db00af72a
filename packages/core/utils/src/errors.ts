/**
 * Errors shared by weft packages. Conditions that `@libp2p/interface` already
 * names (stream reset, stream state, timeouts, …) are re-exported from there so
 * code that matches on `.name` works the same with weft and js-libp2p objects.
 */
export {
  AbortError,
  InvalidMessageError,
  InvalidParametersError,
  ProtocolError,
  StreamBufferError,
  StreamResetError,
  StreamStateError,
  TimeoutError,
} from '@libp2p/interface'

/** A varint was longer than allowed or ended early. */
export class InvalidVarintError extends Error {
  static override name = 'InvalidVarintError'
  override name = 'InvalidVarintError'
}

/**
 * Bytes are not a well-formed protobuf message: a truncated or over-long
 * varint, a length past the end, field number 0 or an unsupported wire type.
 * Packages turn it into their own error class at their API boundary.
 */
export class InvalidProtobufError extends Error {
  static override name = 'InvalidProtobufError'
  override name = 'InvalidProtobufError'
}

/** A length prefix announced more bytes than the reader accepts. */
export class MessageTooLargeError extends Error {
  static override name = 'MessageTooLargeError'
  override name = 'MessageTooLargeError'
  constructor(
    readonly size: number,
    readonly limit: number,
    message = `message of ${size} bytes exceeds the limit of ${limit} bytes`,
  ) {
    super(message)
  }
}

/** The remote end closed before the bytes we needed arrived. */
export class UnexpectedEOFError extends Error {
  static override name = 'UnexpectedEOFError'
  override name = 'UnexpectedEOFError'
  constructor(
    readonly expected: number,
    readonly received: number,
  ) {
    super(`stream ended after ${received} of ${expected} expected bytes`)
  }
}

/** A bounded queue, map or buffer is full. */
export class LimitExceededError extends Error {
  static override name = 'LimitExceededError'
  override name = 'LimitExceededError'
}

/** The stream or connection closed while an operation waited on it. */
export class StreamClosedError extends Error {
  static override name = 'StreamClosedError'
  override name = 'StreamClosedError'
}
