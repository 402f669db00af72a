/**
 * Errors thrown by @weft/tcp. Conditions `@libp2p/interface` already names
 * (an aborted dial, a timeout, a failed listen, an address this transport
 * cannot use) are its classes, so code matching on `.name` treats weft and
 * js-libp2p transports alike.
 */
import { DialError as InterfaceDialError } from '@libp2p/interface'

export { AbortError, InvalidMultiaddrError, ListenError, TimeoutError } from '@libp2p/interface'

/**
 * The TCP connection could not be opened (refused, unreachable, reset during
 * the handshake, name not resolved). A subclass of @libp2p/interface's
 * `DialError` with the same `name`, plus the address and the system error code.
 */
export class DialError extends InterfaceDialError {
  static override name = 'DialError'
  override name = 'DialError'
  /** the multiaddr that was dialled */
  readonly address: string
  /** the system error code, such as `ECONNREFUSED`, when there is one */
  readonly code?: string

  constructor(address: string, reason: string, options: { code?: string; cause?: unknown } = {}) {
    super(`could not connect to ${address}: ${reason}`)
    this.address = address
    this.code = options.code
    if (options.cause !== undefined) this.cause = options.cause
  }
}
