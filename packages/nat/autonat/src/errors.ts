/** Errors of @weft/autonat. A malformed message is @libp2p/interface's `InvalidMessageError`. */
export { InvalidMessageError } from '@libp2p/interface'

/** The server answered a dial request with something other than OK or E_DIAL_ERROR. */
export class DialRefusedError extends Error {
  static override name = 'DialRefusedError'
  override name = 'DialRefusedError'
  constructor(
    readonly status: string,
    message = `the AutoNAT server answered ${status}`,
  ) {
    super(message)
  }
}

/** The AutoNAT service stopped while work was in flight. */
export class AutoNATStoppedError extends Error {
  static override name = 'AutoNATStoppedError'
  override name = 'AutoNATStoppedError'
}
