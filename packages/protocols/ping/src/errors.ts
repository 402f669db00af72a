/**
 * Errors of the ping protocol. A ping that takes too long rejects with
 * @libp2p/interface's `TimeoutError`; an aborted one with the signal's reason.
 */
export { TimeoutError } from '@libp2p/interface'

/** The remote echoed bytes other than the ones we sent. */
export class PingMismatchError extends Error {
  static override name = 'PingMismatchError'
  override name = 'PingMismatchError'
  constructor(
    readonly sent: Uint8Array,
    readonly received: Uint8Array,
  ) {
    super(`expected the remote to echo our ${sent.byteLength} ping bytes, it sent different bytes back`)
  }
}

/** The service stopped while a ping or an inbound ping stream was under way. */
export class PingServiceStoppedError extends Error {
  static override name = 'PingServiceStoppedError'
  override name = 'PingServiceStoppedError'
  constructor(message = 'the ping service stopped') {
    super(message)
  }
}
