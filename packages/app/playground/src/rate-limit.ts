/**
 * Per-peer rate limits: a token bucket per peer in a map bounded by
 * `maxPeers` (the least recently seen peer is forgotten first, and starts
 * again with a full bucket: forgetting is generous, never stricter).
 */

export interface RateLimitInit {
  /** tokens added per second (default 50) */
  perSecond?: number
  /** bucket size: the burst allowed after a quiet spell (default 100) */
  burst?: number
  /** peers tracked at once (default 1024) */
  maxPeers?: number
  /** the clock, in milliseconds (default `performance.now`) */
  now?: () => number
}

interface Bucket {
  tokens: number
  updated: number
}

export class PeerRateLimiter {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perSecond: number
  private readonly burst: number
  private readonly maxPeers: number
  private readonly now: () => number
  /** messages refused so far */
  refused = 0

  constructor(init: RateLimitInit = {}) {
    this.perSecond = init.perSecond ?? 50
    this.burst = init.burst ?? 100
    this.maxPeers = init.maxPeers ?? 1024
    this.now = init.now ?? (() => performance.now())
    if (!(this.perSecond > 0) || !(this.burst >= 1) || !(this.maxPeers >= 1)) {
      throw new RangeError('rate limits need perSecond > 0, burst >= 1 and maxPeers >= 1')
    }
  }

  /** Takes `cost` tokens from `peer`'s bucket; false (and nothing taken) when it has too few. */
  take(peer: string, cost = 1): boolean {
    const now = this.now()
    let bucket = this.buckets.get(peer)
    if (bucket == null) {
      bucket = { tokens: this.burst, updated: now }
      if (this.buckets.size >= this.maxPeers) {
        const oldest = this.buckets.keys().next().value
        if (oldest != null) this.buckets.delete(oldest)
      }
    } else {
      this.buckets.delete(peer) // re-inserted below: the map's order is least recently seen first
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.perSecond)
      bucket.updated = now
    }
    this.buckets.set(peer, bucket)
    if (bucket.tokens < cost) {
      this.refused++
      return false
    }
    bucket.tokens -= cost
    return true
  }

  get trackedPeers(): number {
    return this.buckets.size
  }
}
