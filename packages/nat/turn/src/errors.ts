/**
 * Errors of @weft/turn, matched on `.name`. Each TURN error code the client
 * acts on has its own class (RFC 8656 §18.8 / §19, RFC 6062 §6.3); any other
 * error response is a `TurnErrorResponse` carrying the code.
 */
export { AbortError } from '@weft/utils'

/** An error response from the TURN server; subclasses name the codes a caller handles. */
export class TurnErrorResponse extends Error {
  static override name = 'TurnErrorResponse'
  override name = 'TurnErrorResponse'
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly method: string,
  ) {
    super(`TURN ${method} failed: ${code} ${reason}`)
  }
}

/** 401 after a retry with fresh credentials: the server does not accept them. */
export class UnauthorizedError extends TurnErrorResponse {
  static override name = 'UnauthorizedError'
  override name = 'UnauthorizedError'
}

/** 437: the 5-tuple has an allocation already (Allocate) or none (Refresh and the rest). */
export class AllocationMismatchError extends TurnErrorResponse {
  static override name = 'AllocationMismatchError'
  override name = 'AllocationMismatchError'
}

/** 441: the request's credentials are not those the allocation was made with. */
export class WrongCredentialsError extends TurnErrorResponse {
  static override name = 'WrongCredentialsError'
  override name = 'WrongCredentialsError'
}

/** 486: this user has as many allocations as the server allows. */
export class AllocationQuotaReachedError extends TurnErrorResponse {
  static override name = 'AllocationQuotaReachedError'
  override name = 'AllocationQuotaReachedError'
}

/** 508: the server has no relayed transport address left. */
export class InsufficientCapacityError extends TurnErrorResponse {
  static override name = 'InsufficientCapacityError'
  override name = 'InsufficientCapacityError'
}

/** 403: the server refuses the peer address (its `denied-peer-ip` policy, RFC 8656 §21.3). */
export class ForbiddenError extends TurnErrorResponse {
  static override name = 'ForbiddenError'
  override name = 'ForbiddenError'
}

/** 446 / 447 (RFC 6062 §6.3): a Connect to the peer that already exists, timed out or failed. */
export class ConnectionFailedError extends TurnErrorResponse {
  static override name = 'ConnectionFailedError'
  override name = 'ConnectionFailedError'
}

const BY_CODE: Record<number, typeof TurnErrorResponse> = {
  401: UnauthorizedError,
  403: ForbiddenError,
  437: AllocationMismatchError,
  441: WrongCredentialsError,
  446: ConnectionFailedError,
  447: ConnectionFailedError,
  486: AllocationQuotaReachedError,
  508: InsufficientCapacityError,
}

/** The typed error for an error response with `code`. */
export function errorForCode(code: number, reason: string, method: string): TurnErrorResponse {
  const ErrorClass = BY_CODE[code] ?? TurnErrorResponse
  return new ErrorClass(code, reason, method)
}

/** Bytes from the server that are neither a STUN message nor ChannelData, or a frame too large. */
export class MalformedFrameError extends Error {
  static override name = 'MalformedFrameError'
  override name = 'MalformedFrameError'
}

/** The client (or its allocation) is closed. */
export class TurnClosedError extends Error {
  static override name = 'TurnClosedError'
  override name = 'TurnClosedError'
  constructor(message = 'the TURN client is closed') {
    super(message)
  }
}

/** A bounded table (permissions, channels, transactions) is full. */
export class TurnLimitError extends Error {
  static override name = 'TurnLimitError'
  override name = 'TurnLimitError'
}
