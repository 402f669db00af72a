/** Errors of @weft/rendezvous. Bad arguments throw the built-in TypeError/RangeError. */
export { InvalidMessageError } from '@libp2p/interface'

/**
 * The rendezvous point refused a request: `status` is the spec's
 * ResponseStatus name (E_INVALID_TTL, E_NOT_AUTHORIZED, E_UNAVAILABLE, …).
 */
export class RendezvousError extends Error {
  static override name = 'RendezvousError'
  override name = 'RendezvousError'
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message)
  }
}

/** The rendezvous service stopped while a request was in flight. */
export class RendezvousStoppedError extends Error {
  static override name = 'RendezvousStoppedError'
  override name = 'RendezvousStoppedError'
}
