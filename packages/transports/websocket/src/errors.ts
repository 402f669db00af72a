/**
 * Errors of @weft/websocket. Conditions `@libp2p/interface` already names (an
 * aborted dial, a timeout, a failed listen, an address this transport cannot
 * use, a reset, a malformed message) are its classes, so code matching on
 * `.name` treats weft and js-libp2p transports alike; a message over the size
 * limit is @weft/utils' `MessageTooLargeError`.
 */
import { DialError as InterfaceDialError } from '@libp2p/interface'

export {
  AbortError,
  InvalidMessageError,
  InvalidMultiaddrError,
  ListenError,
  ProtocolError,
  StreamResetError,
  TimeoutError,
  UnsupportedOperationError,
} from '@libp2p/interface'
export { MessageTooLargeError } from '@weft/utils'

/**
 * The WebSocket could not be opened (refused, unreachable, TLS or HTTP
 * upgrade failed). A subclass of @libp2p/interface's `DialError` with the
 * same `name`, plus the address and, when there is one, the system error code
 * or the HTTP status the server answered.
 */
export class DialError extends InterfaceDialError {
  static override name = 'DialError'
  override name = 'DialError'
  /** the multiaddr that was dialled */
  readonly address: string
  /** the system error code, such as `ECONNREFUSED`, when there is one */
  readonly code?: string
  /** the HTTP status of a refused upgrade, such as 404 */
  readonly statusCode?: number

  constructor(
    address: string,
    reason: string,
    options: { code?: string; statusCode?: number; cause?: unknown } = {},
  ) {
    super(`could not connect to ${address}: ${reason}`)
    this.address = address
    this.code = options.code
    this.statusCode = options.statusCode
    if (options.cause !== undefined) this.cause = options.cause
  }
}
