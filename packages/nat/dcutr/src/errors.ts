/** Errors of @weft/dcutr. A malformed message is @libp2p/interface's `InvalidMessageError`. */
export { InvalidMessageError } from '@libp2p/interface'

/** A message of the wrong type arrived (SYNC where CONNECT was expected, or the reverse). */
export class UnexpectedHolePunchMessageError extends Error {
  static override name = 'UnexpectedHolePunchMessageError'
  override name = 'UnexpectedHolePunchMessageError'
}

/** Every attempt to open a direct connection failed. */
export class HolePunchFailedError extends Error {
  static override name = 'HolePunchFailedError'
  override name = 'HolePunchFailedError'
}

/** The DCUtR service stopped while work was in flight. */
export class DCUtRStoppedError extends Error {
  static override name = 'DCUtRStoppedError'
  override name = 'DCUtRStoppedError'
}

/**
 * A hole punch request was refused: not on a relayed connection, too many in
 * progress, or more rounds than allowed.
 */
export class HolePunchRefusedError extends Error {
  static override name = 'HolePunchRefusedError'
  override name = 'HolePunchRefusedError'
}

/**
 * The punch was not tried: both sides' NAT information says no TCP punch can
 * meet (punch-plan.ts), so the connection stays relayed without wasted dials.
 */
export class HolePunchSkippedError extends Error {
  static override name = 'HolePunchSkippedError'
  override name = 'HolePunchSkippedError'
}

/** A birthday search (birthday.ts) ended without a probe coming through: time up, or no socket bound. */
export class BirthdayFailedError extends Error {
  static override name = 'BirthdayFailedError'
  override name = 'BirthdayFailedError'
}
