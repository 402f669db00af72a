/**
 * Errors of @weft/network-report, each with a stable `name`. Bad arguments
 * are built-in `TypeError`/`RangeError`. A probe that fails (a STUN server
 * that does not answer, a TURN server that refuses) is not thrown: it is
 * reported in the report's entry, as `{ name, message }`.
 */

/** The service was used while stopped: `refresh()` before `start()` or after `stop()`. */
export class ServiceStoppedError extends Error {
  static override name = 'ServiceStoppedError'
  override name = 'ServiceStoppedError'
  constructor(message = 'the network report service is not running') {
    super(message)
  }
}

/** No configured STUN server of the right family answered for an interface. */
export class NatProbeError extends Error {
  static override name = 'NatProbeError'
  override name = 'NatProbeError'
  constructor(
    /** the interface and family that was probed, e.g. `eth0/IPv4` */
    readonly target: string,
    /** what each server tried answered, in order */
    readonly attempts: string[],
  ) {
    super(`no STUN server answered for ${target}: ${attempts.join('; ')}`)
  }
}

/** A TURN server did not answer an Allocate request in time, or answered something that is not TURN. */
export class TurnUnavailableError extends Error {
  static override name = 'TurnUnavailableError'
  override name = 'TurnUnavailableError'
}
