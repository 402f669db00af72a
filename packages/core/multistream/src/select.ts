/**
 * The dialer: proposes protocols in order until the listener agrees to one
 * (multiformats/multistream-select README, "Protocol"). The header and the
 * first proposal leave in one write; with a single protocol and
 * `negotiateFully: false` nothing is awaited at all (optimistic selection).
 */
import type { AbortOptions, Logger, MessageStream } from '@libp2p/interface'
import { decodeVarint, throwIfAborted } from '@weft/utils'
import { concatMessages, DEFAULT_MAX_MESSAGE_LENGTH, MessageDecoder, messageBytes, quote } from './codec.js'
import { Dialer } from './dialer.js'
import { Negotiation } from './internal/negotiation.js'
import { negotiate } from './internal/run.js'

export interface SelectOptions extends AbortOptions {
  /**
   * false: with exactly one protocol, resolve as soon as the proposal is
   * written and check the listener's answer in the background (default true)
   */
  negotiateFully?: boolean
  /** defaults to the stream's logger */
  log?: Logger
  /** longest message accepted from the listener, 1 to 65535 (default 1024) */
  maxMessageLength?: number
}

/**
 * Negotiates one of `protocols` (in order of preference) on `stream` and
 * resolves to it; bytes read past the negotiation are handed back to the
 * stream with `unshift()`. On failure the stream is aborted and the error
 * thrown: `UnsupportedProtocolError` when the listener speaks none of them,
 * `InvalidMessageError` / `MessageTooLargeError` for a malformed answer,
 * `NegotiationClosedError` when the stream ends first, the signal's reason
 * when it aborts.
 *
 * Optimistic (one protocol, `negotiateFully: false`): resolves at once, so
 * the caller's first bytes travel with the proposal. The listener's answer is
 * consumed later, invisibly to the caller's 'message' listeners; if it is
 * "na", garbage or missing, the stream is aborted with the error instead.
 */
export async function select(
  stream: MessageStream,
  protocols: string | string[],
  options: SelectOptions = {},
): Promise<string> {
  const list = typeof protocols === 'string' ? [protocols] : protocols
  const decoder = new MessageDecoder(options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH)
  for (const protocol of list) {
    if (typeof protocol !== 'string' || protocol === '') {
      throw new TypeError(`expected non-empty protocol ids, got ${JSON.stringify(protocol)}`)
    }
    // the echo of a proposal over the limit would be refused: fail before sending it
    if (decodeVarint(messageBytes(protocol))!.value > decoder.maxMessageLength) {
      throw new RangeError(`protocol id ${quote(protocol)} is longer than maxMessageLength`)
    }
  }
  const dialer = new Dialer(list)
  throwIfAborted(options.signal)
  const log = options.log ?? stream.log
  const firstFlight = concatMessages(dialer.firstFlight())

  if (list.length === 1 && options.negotiateFully === false) {
    const protocol = list[0]!
    const negotiation = new Negotiation(stream, dialer, decoder, {
      log,
      optimistic: true,
      onSuccess: () => {},
      onFailure: () => {},
    })
    negotiation.send(firstFlight)
    if (negotiation.error !== undefined) throw negotiation.error
    log.trace('multistream-select proposed %s optimistically', protocol)
    return protocol
  }

  return negotiate(stream, dialer, decoder, firstFlight, log, options.signal)
}
