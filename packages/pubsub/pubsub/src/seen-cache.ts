/**
 * A bounded set of keys that expire after a time to live: the seen-message
 * cache (pubsub/README.md "Message Identification"; gossipsub's `seenTTL`).
 * Time comes from an injected clock so tests need no sleeps. When full, the
 * oldest key is evicted first (insertion order is expiry order).
 */
export type Clock = () => number

export interface SeenCacheInit {
  /** milliseconds a key is remembered (default 120 000, gossipsub's seen TTL) */
  ttl?: number
  /** keys remembered at most; the oldest go first (default 100 000) */
  maxSize?: number
  /** milliseconds since some epoch (default `Date.now`) */
  now?: Clock
}

export const DEFAULT_SEEN_TTL = 120_000
export const DEFAULT_MAX_SEEN_MESSAGES = 100_000

export class SeenCache<V = true> {
  private readonly entries = new Map<string, { expires: number; value: V }>()
  private readonly ttl: number
  private readonly maxSize: number
  private readonly now: Clock

  constructor(init: SeenCacheInit = {}) {
    this.ttl = init.ttl ?? DEFAULT_SEEN_TTL
    this.maxSize = init.maxSize ?? DEFAULT_MAX_SEEN_MESSAGES
    this.now = init.now ?? Date.now
    if (!(this.ttl > 0)) throw new RangeError(`ttl must be positive, got ${init.ttl}`)
    if (!(this.maxSize > 0)) throw new RangeError(`maxSize must be positive, got ${init.maxSize}`)
  }

  get size(): number {
    return this.entries.size
  }

  /** Remembers `key` (with `value`); returns false if it was already there (and not expired). */
  add(key: string, value: V = true as V): boolean {
    const now = this.now()
    const entry = this.entries.get(key)
    if (entry != null && entry.expires > now) return false
    if (entry != null) this.entries.delete(key)
    this.prune(now)
    if (this.entries.size >= this.maxSize) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(key, { expires: now + this.ttl, value })
    return true
  }

  has(key: string): boolean {
    const entry = this.entries.get(key)
    return entry != null && entry.expires > this.now()
  }

  /** The value stored with a live `key`. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    return entry != null && entry.expires > this.now() ? entry.value : undefined
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  /** Drops every expired key (cheap: stops at the first live one). */
  prune(now = this.now()): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires > now) break
      this.entries.delete(key)
    }
  }

  clear(): void {
    this.entries.clear()
  }
}
