/**
 * Errors thrown by @weft/multistream. The conditions `@libp2p/interface`
 * already names (no common protocol, malformed message) are re-exported from
 * there, so code matching on `.name` treats weft and js-libp2p alike; the
 * oversized-message limit is @weft/utils' shared `MessageTooLargeError`.
 */
export { AbortError, InvalidMessageError, TimeoutError, UnsupportedProtocolError } from '@libp2p/interface'
export { MessageTooLargeError } from '@weft/utils'

/** The listener received more proposals than it accepts before giving up (a limit). */
export class TooManyProposalsError extends Error {
  static override name = 'TooManyProposalsError'
  override name = 'TooManyProposalsError'
  constructor(readonly limit: number) {
    super(`expected at most ${limit} protocol proposals, got more`)
  }
}

/** The stream ended or closed before negotiation finished. */
export class NegotiationClosedError extends Error {
  static override name = 'NegotiationClosedError'
  override name = 'NegotiationClosedError'
}
