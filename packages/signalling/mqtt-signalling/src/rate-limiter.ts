/**
 * Token buckets: `rate` tokens a second up to `burst`, one per message. The
 * per-sender limiter tracks at most `maxKeys` senders; the least recently
 * seen is forgotten first (it comes back with a full bucket, which costs at
 * most one burst).
 */
export class TokenBucket {
  private tokens: number
  private updated: number

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst
    this.updated = now
  }

  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.updated) / 1000
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate)
    this.updated = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

export class KeyedRateLimiter {
  /** insertion order is recency order: a hit moves the key to the end */
  private readonly buckets = new Map<string, TokenBucket>()

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.buckets.size
  }

  take(key: string, now: number): boolean {
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
      bucket = new TokenBucket(this.rate, this.burst, now)
    } else {
      this.buckets.delete(key)
    }
    this.buckets.set(key, bucket)
    return bucket.take(now)
  }

  clear(): void {
    this.buckets.clear()
  }
}
