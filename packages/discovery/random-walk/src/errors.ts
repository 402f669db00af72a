/** Errors of @weft/random-walk. Bad configuration throws the built-in TypeError/RangeError. */

/** The random walk stopped while a lookup was under way (the lookup's abort reason). */
export class RandomWalkStoppedError extends Error {
  static override name = 'RandomWalkStoppedError'
  override name = 'RandomWalkStoppedError'
  constructor(message = 'the random walk stopped') {
    super(message)
  }
}

/** The host gave the random walk no peer routing (`components.peerRouting`) to walk through. */
export class NoPeerRoutingError extends Error {
  static override name = 'NoPeerRoutingError'
  override name = 'NoPeerRoutingError'
}
