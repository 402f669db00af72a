import { describe, expect, it } from 'vitest'
import { SeenCache } from './seen-cache.js'

describe('SeenCache', () => {
  it('remembers keys for the time to live of an injected clock', () => {
    let now = 0
    const cache = new SeenCache({ ttl: 100, now: () => now })
    expect(cache.add('a')).toBe(true)
    expect(cache.add('a')).toBe(false)
    now = 99
    expect(cache.has('a')).toBe(true)
    now = 100
    expect(cache.has('a')).toBe(false)
    expect(cache.add('a')).toBe(true)
  })

  it('keeps values and evicts the oldest key when full', () => {
    const cache = new SeenCache<string>({ maxSize: 2, now: () => 0 })
    cache.add('a', 'A')
    cache.add('b', 'B')
    cache.add('c', 'C')
    expect(cache.size).toBe(2)
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('c')).toBe('C')
  })

  it('prunes expired keys', () => {
    let now = 0
    const cache = new SeenCache({ ttl: 10, now: () => now })
    cache.add('a')
    now = 5
    cache.add('b')
    now = 12
    cache.prune()
    expect(cache.size).toBe(1)
  })

  it('refuses non-positive bounds', () => {
    expect(() => new SeenCache({ ttl: 0 })).toThrow(RangeError)
    expect(() => new SeenCache({ maxSize: 0 })).toThrow(RangeError)
  })
})
