/**
 * Errors thrown by @weft/memory. Conditions `@libp2p/interface` already
 * names are its classes, so code matching on `.name` treats weft and js-libp2p
 * transports alike.
 */
import { DialError as InterfaceDialError } from '@libp2p/interface'

export { AbortError, InvalidMultiaddrError, ListenError } from '@libp2p/interface'

/**
 * Nobody listens at the dialled `/memory/<name>`, or the listener is full.
 * A subclass of @libp2p/interface's `DialError` with the same `name`.
 */
export class DialError extends InterfaceDialError {
  static override name = 'DialError'
  override name = 'DialError'
  /** the multiaddr that was dialled */
  readonly address: string

  constructor(address: string, reason: string) {
    super(`could not connect to ${address}: ${reason}`)
    this.address = address
  }
}
