/**
 * A token bucket per remote host (not per port, which costs nothing to
 * change), in a map of bounded size: when it is full the longest-idle host is
 * forgotten, so a flood from many addresses costs a fixed amount of memory.
 */
export interface RateLimiterInit {
  /** Queries a host may send per second, sustained (default 20). */
  ratePerSecond?: number
  /** Burst above the rate (default 40). */
  burst?: number
  /** Hosts tracked at once (default 4 096). */
  maxHosts?: number
  now?: () => number
}

interface Bucket {
  tokens: number
  updated: number
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly rate: number
  private readonly burst: number
  private readonly maxHosts: number
  private readonly now: () => number

  constructor(init: RateLimiterInit = {}) {
    this.rate = init.ratePerSecond ?? 20
    this.burst = init.burst ?? 40
    this.maxHosts = init.maxHosts ?? 4096
    this.now = init.now ?? Date.now
  }

  get size(): number {
    return this.buckets.size
  }

  /** Takes one token for `host`; false when its bucket is empty. */
  allow(host: string): boolean {
    const now = this.now()
    let bucket = this.buckets.get(host)
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxHosts) {
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
      bucket = { tokens: this.burst, updated: now }
    } else {
      this.buckets.delete(host) // re-inserted below: the map stays in least-recently-used order
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.rate)
      bucket.updated = now
    }
    this.buckets.set(host, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}
