/** Runs a negotiation to its end under an optional AbortSignal. */
import type { Logger, MessageStream } from '@libp2p/interface'
import { deferred, raceSignal } from '@weft/utils'
import type { MessageDecoder } from '../codec.js'
import { type Machine, Negotiation } from './negotiation.js'

/**
 * Resolves to the agreed protocol; on failure, or when `signal` aborts first,
 * aborts the stream and rejects with the reason.
 */
export async function negotiate(
  stream: MessageStream,
  machine: Machine,
  decoder: MessageDecoder,
  firstFlight: Uint8Array | undefined,
  log: Logger,
  signal: AbortSignal | undefined,
): Promise<string> {
  const result = deferred<string>()
  const negotiation = new Negotiation(stream, machine, decoder, {
    log,
    onSuccess: result.resolve,
    onFailure: result.reject,
  })
  if (firstFlight !== undefined) negotiation.send(firstFlight)
  try {
    return await raceSignal(result.promise, signal)
  } catch (err) {
    // the signal won: stop listening and abort the stream (no-op when already failed)
    negotiation.fail(err as Error)
    throw err
  }
}
