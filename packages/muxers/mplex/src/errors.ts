/**
 * Errors raised by the mplex muxer. Conditions that @libp2p/interface already
 * names are re-exported from there so code matching on `.name` works the same
 * with weft's and js-libp2p's muxers.
 */
export {
  MuxerClosedError,
  StreamBufferError,
  StreamResetError,
  TooManyOutboundProtocolStreamsError,
} from '@libp2p/interface'

/** The remote sent bytes that are not a valid mplex frame; the connection is closed. */
export class InvalidFrameError extends Error {
  static override name = 'InvalidFrameError'
  override name = 'InvalidFrameError'
}

/** A frame announced a body larger than `maxMessageSize`; the connection is closed. */
export class FrameTooLargeError extends Error {
  static override name = 'FrameTooLargeError'
  override name = 'FrameTooLargeError'
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`expected a frame body of at most ${limit} bytes, the remote announced ${size} bytes`)
  }
}

/**
 * The remote caused more stream resets (its own, or ours for streams it opened
 * beyond the limits) than allowed in the time window; the connection is closed.
 */
export class TooManyStreamResetsError extends Error {
  static override name = 'TooManyStreamResetsError'
  override name = 'TooManyStreamResetsError'
  constructor(
    readonly resets: number,
    readonly window: number,
  ) {
    super(`expected at most ${resets} stream resets per ${window} ms, the remote caused more`)
  }
}
