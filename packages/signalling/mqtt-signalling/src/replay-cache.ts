/**
 * Replay protection: the nonces of accepted messages, each kept until its
 * expiry (plus the tolerated clock skew) has passed, when the expiry check
 * alone refuses it. The cache is bounded: when full, expired entries go
 * first, then the quarter that expires soonest, and the latest expiry
 * dropped becomes a watermark: any message expiring at or before it is
 * refused as older than the window, so a forgotten nonce can never be
 * replayed.
 */
import { ExpiredSignalError, ReplayedSignalError } from './errors.js'

export class ReplayCache {
  private readonly entries = new Map<string, number>()
  private watermark = Number.NEGATIVE_INFINITY

  constructor(
    private readonly maxSize: number,
    private readonly clockSkew: number,
  ) {
    if (!Number.isInteger(maxSize) || maxSize < 4)
      throw new RangeError(`maxSize: expected an integer ≥ 4, got ${maxSize}`)
  }

  get size(): number {
    return this.entries.size
  }

  /** Records `key` (sender and nonce) expiring at `expiry`, or throws when it was seen or is below the watermark. */
  remember(key: string, expiry: number, now: number): void {
    if (expiry <= this.watermark) {
      throw new ExpiredSignalError('the message is older than the replay window (the cache was full)')
    }
    if (this.entries.has(key)) throw new ReplayedSignalError('a message with this nonce was already accepted')
    if (this.entries.size >= this.maxSize) this.makeRoom(now)
    this.entries.set(key, expiry)
  }

  clear(): void {
    this.entries.clear()
    this.watermark = Number.NEGATIVE_INFINITY
  }

  private makeRoom(now: number): void {
    for (const [key, expiry] of this.entries) {
      if (expiry + this.clockSkew < now) this.entries.delete(key)
    }
    if (this.entries.size < this.maxSize) return
    const sorted = [...this.entries].sort((a, b) => a[1] - b[1])
    const drop = sorted.slice(0, Math.ceil(this.maxSize / 4))
    for (const [key] of drop) this.entries.delete(key)
    this.watermark = Math.max(this.watermark, drop[drop.length - 1]![1])
  }
}
