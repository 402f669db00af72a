/**
 * Errors of the perf protocol. A short header or a short download is
 * @weft/utils' `UnexpectedEOFError`; a download longer than requested is
 * @libp2p/interface's `InvalidMessageError`; an exchange that outlives its
 * timeout is `TimeoutError`.
 */
export { InvalidMessageError, TimeoutError } from '@libp2p/interface'
export { UnexpectedEOFError } from '@weft/utils'

/** The client asked the server for more bytes than the server's `maxRequestBytes`. */
export class RequestTooLargeError extends Error {
  static override name = 'RequestTooLargeError'
  override name = 'RequestTooLargeError'
  constructor(
    readonly requested: bigint,
    readonly limit: number,
  ) {
    super(`expected a request of at most ${limit} bytes, the client asked for ${requested}`)
  }
}

/** The service stopped while a measurement or an inbound perf stream was under way. */
export class PerfServiceStoppedError extends Error {
  static override name = 'PerfServiceStoppedError'
  override name = 'PerfServiceStoppedError'
  constructor(message = 'the perf service stopped') {
    super(message)
  }
}

/** The server already serves its `maxServedStreams` perf streams; the new one is reset. */
export class TooManyServedStreamsError extends Error {
  static override name = 'TooManyServedStreamsError'
  override name = 'TooManyServedStreamsError'
  constructor(readonly limit: number) {
    super(`the perf server already serves its limit of ${limit} streams`)
  }
}
