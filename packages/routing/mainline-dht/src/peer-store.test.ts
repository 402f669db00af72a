import { describe, expect, it } from 'vitest'
import { randomId } from './node-id.js'
import { PeerStore } from './peer-store.js'
import { RateLimiter } from './rate-limiter.js'
import { Tokens } from './tokens.js'

describe('PeerStore', () => {
  it('expires announcements and keeps each cap', () => {
    let now = 0
    const store = new PeerStore({
      ttl: 1000,
      maxPeersPerInfohash: 3,
      maxInfohashes: 2,
      maxPeers: 5,
      now: () => now,
    })
    const a = randomId()
    for (let port = 1; port <= 5; port++) store.add(a, { host: '1.1.1.1', port })
    expect(store.get(a).map((peer) => peer.port)).toEqual([5, 4, 3])
    const b = randomId()
    store.add(b, { host: '2.2.2.2', port: 1 })
    store.add(b, { host: '2.2.2.3', port: 1 })
    store.add(b, { host: '2.2.2.4', port: 1 })
    expect(store.size).toBeLessThanOrEqual(5)
    store.add(randomId(), { host: '3.3.3.3', port: 1 })
    expect(store.infohashCount).toBe(2)
    now += 1000
    store.sweep()
    expect(store.size).toBe(0)
    expect(store.infohashCount).toBe(0)
  })

  it('filters by family', () => {
    const store = new PeerStore()
    const a = randomId()
    store.add(a, { host: '1.1.1.1', port: 1 })
    store.add(a, { host: '2001:db8::1', port: 1 })
    expect(store.get(a, 50, 6)).toEqual([{ host: '2001:db8::1', port: 1 }])
  })
})

describe('Tokens', () => {
  it('accepts a token for the current and the previous secret only, and only from its IP', () => {
    let now = 0
    const tokens = new Tokens(300_000, () => now)
    const token = tokens.issue('1.2.3.4')
    expect(tokens.check(token, '1.2.3.4')).toBe(true)
    expect(tokens.check(token, '1.2.3.5')).toBe(false)
    now += 300_000
    expect(tokens.check(token, '1.2.3.4')).toBe(true)
    now += 300_000
    expect(tokens.check(token, '1.2.3.4')).toBe(false)
    expect(tokens.check(new Uint8Array(8), '1.2.3.4')).toBe(false)
  })
})

describe('RateLimiter', () => {
  it('allows a burst, then the rate, and tracks a bounded number of hosts', () => {
    let now = 0
    const limiter = new RateLimiter({ ratePerSecond: 10, burst: 5, maxHosts: 3, now: () => now })
    let allowed = 0
    for (let index = 0; index < 100; index++) if (limiter.allow('1.1.1.1')) allowed++
    expect(allowed).toBe(5)
    now += 1000
    allowed = 0
    for (let index = 0; index < 100; index++) if (limiter.allow('1.1.1.1')) allowed++
    expect(allowed).toBe(5) // refilled to the burst, not beyond
    for (let index = 0; index < 100; index++) limiter.allow(`2.2.2.${index}`)
    expect(limiter.size).toBe(3)
  })
})
