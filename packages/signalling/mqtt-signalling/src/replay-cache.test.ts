import { describe, expect, it } from 'vitest'
import { KeyedRateLimiter, TokenBucket } from './rate-limiter.js'
import { ReplayCache } from './replay-cache.js'

describe('ReplayCache', () => {
  it('refuses a nonce seen before', () => {
    const cache = new ReplayCache(16, 0)
    cache.remember('a', 1_000, 0)
    expect(() => cache.remember('a', 1_000, 10)).toThrow(
      expect.objectContaining({ name: 'ReplayedSignalError' }),
    )
    cache.remember('b', 1_000, 10)
    expect(cache.size).toBe(2)
  })

  it('stays bounded and refuses what it had to forget as older than the window', () => {
    const cache = new ReplayCache(8, 0)
    for (let i = 0; i < 8; i++) cache.remember(`n${i}`, 1_000 + i, 0)
    cache.remember('n8', 2_000, 0) // full: the two that expire soonest go, the watermark is 1 001
    expect(cache.size).toBeLessThanOrEqual(8)
    expect(() => cache.remember('n0', 1_000, 0)).toThrow(
      expect.objectContaining({ name: 'ExpiredSignalError' }),
    )
    expect(() => cache.remember('n1', 1_001, 0)).toThrow(
      expect.objectContaining({ name: 'ExpiredSignalError' }),
    )
    expect(() => cache.remember('n2', 1_002, 0)).toThrow(
      expect.objectContaining({ name: 'ReplayedSignalError' }),
    )
    for (let i = 0; i < 1_000; i++) cache.remember(`m${i}`, 5_000 + i, 0)
    expect(cache.size).toBeLessThanOrEqual(8)
  })

  it('drops expired entries first, without raising the watermark', () => {
    const cache = new ReplayCache(4, 100)
    for (let i = 0; i < 4; i++) cache.remember(`n${i}`, 1_000, 0)
    cache.remember('late', 5_000, 2_000) // all four expired (1 000 + skew 100 < 2 000)
    expect(cache.size).toBe(1)
    cache.remember('fresh', 2_050, 2_000)
  })
})

describe('rate limits', () => {
  it('a bucket allows its burst, then its rate', () => {
    const bucket = new TokenBucket(2, 3, 0)
    expect([1, 2, 3, 4].map(() => bucket.take(0))).toEqual([true, true, true, false])
    expect(bucket.take(499)).toBe(false)
    expect(bucket.take(500)).toBe(true)
    expect(bucket.take(500)).toBe(false)
  })

  it('limits each sender apart and forgets the least recently seen beyond its bound', () => {
    const limiter = new KeyedRateLimiter(1, 1, 2)
    expect(limiter.take('a', 0)).toBe(true)
    expect(limiter.take('a', 0)).toBe(false)
    expect(limiter.take('b', 0)).toBe(true)
    expect(limiter.take('c', 0)).toBe(true) // 'a' is forgotten
    expect(limiter.size).toBe(2)
    expect(limiter.take('c', 0)).toBe(false)
  })
})
