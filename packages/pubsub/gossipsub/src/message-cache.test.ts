import { describe, expect, it } from 'vitest'
import { MessageCache } from './message-cache.js'

const msg = (n: number) => ({ topic: 't', data: Uint8Array.of(n) })

describe('MessageCache', () => {
  it('keeps messages for historyLength shifts and gossips the last gossipLength windows', () => {
    const cache = new MessageCache({ historyLength: 3, gossipLength: 2 })
    cache.put('a', msg(1), 't')
    cache.put('x', msg(9), 'other')
    expect(cache.getGossipIds('t')).toEqual(['a'])
    cache.shift()
    cache.put('b', msg(2), 't')
    expect(cache.getGossipIds('t')).toEqual(['b', 'a'])
    cache.shift()
    // 'a' is now in the third window: still retrievable, no longer gossiped
    expect(cache.getGossipIds('t')).toEqual(['b'])
    expect(cache.get('a')).toEqual(msg(1))
    cache.shift()
    expect(cache.has('a')).toBe(false)
    expect(cache.has('b')).toBe(true)
    cache.shift()
    expect(cache.size).toBe(0)
  })

  it('refuses duplicates and counts IWANT requests per peer', () => {
    const cache = new MessageCache()
    expect(cache.put('a', msg(1), 't')).toBe(true)
    expect(cache.put('a', msg(2), 't')).toBe(false)
    expect(cache.getForPeer('a', 'p1')?.count).toBe(1)
    expect(cache.getForPeer('a', 'p1')?.count).toBe(2)
    expect(cache.getForPeer('a', 'p2')?.count).toBe(1)
    expect(cache.getForPeer('missing', 'p1')).toBeUndefined()
  })

  it('is bounded: the oldest message gives way', () => {
    const cache = new MessageCache({ maxMessages: 3 })
    for (let i = 0; i < 5; i++) {
      cache.put(`m${i}`, msg(i), 't')
      if (i === 1) cache.shift()
    }
    expect(cache.size).toBe(3)
    expect(cache.has('m0')).toBe(false)
    expect(cache.has('m1')).toBe(false)
    expect(cache.has('m4')).toBe(true)
    expect(new Set(cache.getGossipIds('t'))).toEqual(new Set(['m2', 'm3', 'm4']))
  })

  it('rejects a gossip length beyond the history', () => {
    expect(() => new MessageCache({ historyLength: 2, gossipLength: 3 })).toThrow(RangeError)
  })
})
