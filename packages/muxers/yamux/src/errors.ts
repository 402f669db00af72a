/**
 * Errors raised by the yamux session. Protocol violations extend
 * `@libp2p/interface`'s `ProtocolError` (so `instanceof ProtocolError` holds)
 * while keeping a specific, stable `name` to match on.
 */
import { ProtocolError } from '@libp2p/interface'

export {
  MuxerClosedError,
  ProtocolError,
  StreamResetError,
  TimeoutError,
  TooManyOutboundProtocolStreamsError,
} from '@libp2p/interface'

/** A frame that no yamux peer may send: wrong version, unknown type, bad stream id. */
export class InvalidFrameError extends ProtocolError {
  static override name = 'InvalidFrameError'
  override name = 'InvalidFrameError'
}

/** The remote sent more data on a stream than the window we granted. */
export class ReceiveWindowExceededError extends ProtocolError {
  static override name = 'ReceiveWindowExceededError'
  override name = 'ReceiveWindowExceededError'
  constructor(
    readonly streamId: number,
    readonly length: number,
    readonly window: number,
  ) {
    super(`stream ${streamId}: data frame of ${length} bytes exceeds the receive window of ${window} bytes`)
  }
}

/** The remote kept opening streams beyond `maxInboundStreams` although we reset them. */
export class TooManyInboundStreamsError extends ProtocolError {
  static override name = 'TooManyInboundStreamsError'
  override name = 'TooManyInboundStreamsError'
}

/** The remote does not read: frames we must send piled up beyond their limit. */
export class SendQueueFullError extends Error {
  static override name = 'SendQueueFullError'
  override name = 'SendQueueFullError'
}

/** The remote ended the session with a GoAway carrying an error code. */
export class GoAwayError extends Error {
  static override name = 'GoAwayError'
  override name = 'GoAwayError'
  constructor(readonly code: number) {
    super(`the remote ended the session with GoAway code ${code} (${goAwayCodeName(code)})`)
  }
}

/** All 2^31 stream ids of our parity have been used on this session. */
export class StreamIdsExhaustedError extends Error {
  static override name = 'StreamIdsExhaustedError'
  override name = 'StreamIdsExhaustedError'
}

function goAwayCodeName(code: number): string {
  switch (code) {
    case 0:
      return 'normal termination'
    case 1:
      return 'protocol error'
    case 2:
      return 'internal error'
    default:
      return 'unknown code'
  }
}
