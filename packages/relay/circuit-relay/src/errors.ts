/**
 * Errors of @weft/circuit-relay. A malformed message is @libp2p/interface's
 * `InvalidMessageError` (re-exported), so code matching on `.name` works with
 * js-libp2p's relay too.
 */
import { Status } from './circuit.pb.js'

export { InvalidMessageError } from '@libp2p/interface'

/** The relay (or the target, for a stop request) answered with a status other than OK. */
export class RelayStatusError extends Error {
  static override name = 'RelayStatusError'
  override name = 'RelayStatusError'
  constructor(
    readonly status: Status,
    message = `the relay answered ${status}, expected ${Status.OK}`,
  ) {
    super(message)
  }
}

/** A message of the wrong type arrived (e.g. CONNECT where STATUS was expected). */
export class UnexpectedRelayMessageError extends Error {
  static override name = 'UnexpectedRelayMessageError'
  override name = 'UnexpectedRelayMessageError'
}

/** A relayed circuit went over its data or time limit and was reset by the relay. */
export class CircuitLimitError extends Error {
  static override name = 'CircuitLimitError'
  override name = 'CircuitLimitError'
}

/** An address is not a circuit address this transport can dial or listen on. */
export class InvalidRelayAddressError extends Error {
  static override name = 'InvalidRelayAddressError'
  override name = 'InvalidRelayAddressError'
}

/** The relay server or transport stopped while work was in flight. */
export class RelayStoppedError extends Error {
  static override name = 'RelayStoppedError'
  override name = 'RelayStoppedError'
}
