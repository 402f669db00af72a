/** Options of bootstrap discovery, their defaults (each written once) and their checks. */
import { checkInteger, checkNonNegative } from '@weft/utils'

/** Entries accepted in `list`. */
export const MAX_BOOTSTRAP_ENTRIES = 256
export const DEFAULT_TIMEOUT = 1000
export const DEFAULT_TAG_NAME = 'bootstrap'
export const DEFAULT_TAG_VALUE = 50
export const DEFAULT_TAG_TTL = 120_000
export const DEFAULT_RETRY_DELAY = 1000
export const DEFAULT_MAX_RETRY_DELAY = 60_000

export interface BootstrapInit {
  /** multiaddrs ending in `/p2p/<peer id>`; one peer may appear with several addresses */
  list: string[]
  /** ms after start before the peers are announced and dialed (default 1 000) */
  timeout?: number
  /** the peer store tag bootstrap peers get (default 'bootstrap') */
  tagName?: string
  /** its value, 0–100 (default 50) */
  tagValue?: number
  /** its time to live in ms, refreshed on every connection (default 120 000) */
  tagTTL?: number
  /** ms before the first retry after a failed dial or a dropped connection; doubles per failure (default 1 000) */
  retryDelay?: number
  /** the backoff's ceiling in ms (default 60 000) */
  maxRetryDelay?: number
}

/** `BootstrapInit` with every default filled in and checked; `list` is parsed by `Bootstrap`. */
export interface BootstrapConfig {
  readonly list: readonly string[]
  readonly timeout: number
  readonly tagName: string
  readonly tagValue: number
  readonly tagTTL: number
  readonly retryDelay: number
  readonly maxRetryDelay: number
}

/** Fills in defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveConfig(init: BootstrapInit): BootstrapConfig {
  if (!Array.isArray(init?.list)) throw new TypeError('bootstrap needs a `list` of multiaddrs')
  if (init.list.length > MAX_BOOTSTRAP_ENTRIES) {
    throw new RangeError(
      `bootstrap accepts at most ${MAX_BOOTSTRAP_ENTRIES} addresses, got ${init.list.length}`,
    )
  }
  return {
    list: init.list,
    timeout: checkNonNegative('timeout', init.timeout ?? DEFAULT_TIMEOUT),
    tagName: init.tagName ?? DEFAULT_TAG_NAME,
    tagValue: checkInteger('tagValue', init.tagValue ?? DEFAULT_TAG_VALUE, 0, 100),
    tagTTL: checkNonNegative('tagTTL', init.tagTTL ?? DEFAULT_TAG_TTL),
    retryDelay: checkNonNegative('retryDelay', init.retryDelay ?? DEFAULT_RETRY_DELAY),
    maxRetryDelay: checkNonNegative('maxRetryDelay', init.maxRetryDelay ?? DEFAULT_MAX_RETRY_DELAY),
  }
}
