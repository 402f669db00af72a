/**
 * The client transaction timing of RFC 8489 §6.2.1: over UDP a request is
 * sent at 0, RTO, 3·RTO, 7·RTO, … (the interval doubling each time) until
 * Rc requests have gone, and the transaction fails Rm·RTO after the last one.
 * With the defaults (RTO 500 ms, Rc 7, Rm 16) the sends are at 0, 500, 1500,
 * 3500, 7500, 15500 and 31500 ms and the timeout at 39500 ms. Over TCP there
 * is one send and the timeout Ti (39.5 s) (§6.2.2).
 */
export interface RetransmissionInit {
  /** initial retransmission timeout, ms (500) */
  rto?: number
  /** Rc: how many requests are sent in all (7) */
  maxRequests?: number
  /** Rm: after the last request, wait this many RTOs (16) */
  lastWaitMultiplier?: number
}

export interface RetransmissionSchedule {
  /** ms after the start at which each request is sent */
  sendAt: number[]
  /** ms after the start at which the transaction times out */
  deadline: number
}

export const DEFAULT_RTO = 500
export const DEFAULT_MAX_REQUESTS = 7
export const DEFAULT_LAST_WAIT_MULTIPLIER = 16
/** Ti, the TCP transaction timeout (RFC 8489 §6.2.2) */
export const DEFAULT_TCP_TIMEOUT = 39_500

function positive(value: number, what: string, integer: boolean): number {
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    throw new RangeError(`${what} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`)
  return value
}

export function retransmissionSchedule(init: RetransmissionInit = {}): RetransmissionSchedule {
  const rto = positive(init.rto ?? DEFAULT_RTO, 'rto', false)
  const maxRequests = positive(init.maxRequests ?? DEFAULT_MAX_REQUESTS, 'maxRequests', true)
  const multiplier = positive(
    init.lastWaitMultiplier ?? DEFAULT_LAST_WAIT_MULTIPLIER,
    'lastWaitMultiplier',
    false,
  )
  if (maxRequests > 32) throw new RangeError(`maxRequests ${maxRequests} is above 32`)
  const sendAt: number[] = []
  for (let i = 0; i < maxRequests; i++) sendAt.push(rto * (2 ** i - 1))
  return { sendAt, deadline: sendAt[sendAt.length - 1]! + multiplier * rto }
}
