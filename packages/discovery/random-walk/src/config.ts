/** Options of random-walk discovery, their defaults (each written once) and their checks. */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'

export const DEFAULT_INTERVAL = 60_000
export const DEFAULT_FIRST_DELAY = 1_000
export const DEFAULT_LOOKUP_TIMEOUT = 10_000
export const DEFAULT_MAX_PEERS_PER_WALK = 20
export const DEFAULT_RETRY_DELAY = 2_000
export const DEFAULT_MAX_RETRY_DELAY = 5 * 60_000
/** the most peers one walk may take (a lookup returns about k = 20) */
export const MAX_PEERS_PER_WALK = 1_000
/** the longest delay a Node.js timer keeps (about 24.8 days); longer ones would fire at once */
export const MAX_DELAY = 2 ** 31 - 1

export interface RandomWalkInit {
  /** ms between the end of one walk and the start of the next (default 60 000) */
  interval?: number
  /** ms after start before the first walk (default 1 000) */
  firstDelay?: number
  /** ms one walk's lookup may take before it is aborted (default 10 000) */
  lookupTimeout?: number
  /** peers taken from one walk, at most 1 000 (default 20) */
  maxPeersPerWalk?: number
  /** walks pause while the host has at least this many connections (default: never pause) */
  pauseAtConnections?: number
  /** ms before the next walk after one that found no peer or failed; doubles per such walk (default 2 000) */
  retryDelay?: number
  /** the backoff's ceiling in ms, at least `retryDelay` (default 300 000) */
  maxRetryDelay?: number
}

/** `RandomWalkInit` with every default filled in and checked. */
export interface RandomWalkConfig {
  readonly interval: number
  readonly firstDelay: number
  readonly lookupTimeout: number
  readonly maxPeersPerWalk: number
  /** Infinity when walks never pause */
  readonly pauseAtConnections: number
  readonly retryDelay: number
  readonly maxRetryDelay: number
}

/** A duration a timer can wait: above 0 (or 0 when `allowZero`) and at most `MAX_DELAY`. */
function duration(name: string, value: number, allowZero = false): number {
  if (allowZero) checkNonNegative(name, value)
  else checkPositive(name, value)
  if (value > MAX_DELAY) throw new RangeError(`${name} must be at most ${MAX_DELAY} ms, got ${value}`)
  return value
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: RandomWalkInit = {}): RandomWalkConfig {
  const config: RandomWalkConfig = {
    interval: duration('interval', init.interval ?? DEFAULT_INTERVAL),
    firstDelay: duration('firstDelay', init.firstDelay ?? DEFAULT_FIRST_DELAY, true),
    lookupTimeout: duration('lookupTimeout', init.lookupTimeout ?? DEFAULT_LOOKUP_TIMEOUT),
    maxPeersPerWalk: checkInteger(
      'maxPeersPerWalk',
      init.maxPeersPerWalk ?? DEFAULT_MAX_PEERS_PER_WALK,
      1,
      MAX_PEERS_PER_WALK,
    ),
    pauseAtConnections:
      init.pauseAtConnections == null
        ? Number.POSITIVE_INFINITY
        : checkInteger('pauseAtConnections', init.pauseAtConnections, 1),
    retryDelay: duration('retryDelay', init.retryDelay ?? DEFAULT_RETRY_DELAY),
    maxRetryDelay: duration('maxRetryDelay', init.maxRetryDelay ?? DEFAULT_MAX_RETRY_DELAY),
  }
  if (config.maxRetryDelay < config.retryDelay) {
    throw new RangeError(
      `maxRetryDelay (${config.maxRetryDelay} ms) must be at least retryDelay (${config.retryDelay} ms)`,
    )
  }
  return config
}

/** ms before the next walk: `interval` after a walk that found peers, else the backoff for `failures` walks in a row. */
export function nextDelay(config: RandomWalkConfig, failures: number): number {
  if (failures === 0) return config.interval
  return Math.min(config.maxRetryDelay, config.retryDelay * 2 ** Math.min(failures - 1, 30))
}
