/**
 * The listener: answers the header, then each proposal, until the dialer
 * proposes a protocol it speaks (multiformats/multistream-select README,
 * "Protocol" and "Listing").
 */
import type { AbortOptions, Logger, MessageStream } from '@libp2p/interface'
import { throwIfAborted } from '@weft/utils'
import { DEFAULT_MAX_MESSAGE_LENGTH, MessageDecoder } from './codec.js'
import { negotiate } from './internal/run.js'
import { DEFAULT_MAX_PROPOSALS, Listener } from './listener.js'

export interface HandleOptions extends AbortOptions {
  /** defaults to the stream's logger */
  log?: Logger
  /** longest message accepted from the dialer, 1 to 65535 (default 1024) */
  maxMessageLength?: number
  /** proposals ("na" answers and "ls" included) before giving up (default 32) */
  maxProposals?: number
}

/**
 * Waits for the dialer to propose one of `protocols` on `stream` and resolves
 * to it, after writing the echo. Bytes the dialer sent after its proposal
 * (optimistic data) are handed back with `unshift()` for the handler. On
 * failure the stream is aborted and the error thrown: `InvalidMessageError`
 * (wrong header, malformed message), `MessageTooLargeError`,
 * `TooManyProposalsError`, `NegotiationClosedError` (the dialer went away),
 * or the signal's reason when it aborts (pass one: a silent dialer is
 * otherwise waited for as long as the stream stays open).
 */
export async function handle(
  stream: MessageStream,
  protocols: string | string[],
  options: HandleOptions = {},
): Promise<string> {
  const list = typeof protocols === 'string' ? [protocols] : protocols
  const listener = new Listener(list, options.maxProposals ?? DEFAULT_MAX_PROPOSALS)
  const decoder = new MessageDecoder(options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH)
  throwIfAborted(options.signal)
  return negotiate(stream, listener, decoder, undefined, options.log ?? stream.log, options.signal)
}
