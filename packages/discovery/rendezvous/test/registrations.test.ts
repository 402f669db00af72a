import { describe, expect, it } from 'vitest'
import { DEFAULT_REGISTRATION_LIMITS, RegistrationRefusedError, Registrations } from '../src/index.js'
import { REGISTRATION_WIRE_OVERHEAD } from '../src/registrations.js'

const record = new Uint8Array([1, 2, 3])
const at = 1_000_000

function refusal(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof RegistrationRefusedError) return err.status
    throw err
  }
  return undefined
}

describe('Registrations', () => {
  it('applies the default ttl and refuses one outside the bounds', () => {
    const table = new Registrations({ minTtl: 10, maxTtl: 100, defaultTtl: 50 })
    expect(table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record }, at).ttl).toBe(50)
    expect(
      refusal(() => table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record, ttl: 5 }, at)),
    ).toBe('E_INVALID_TTL')
    expect(
      refusal(() => table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record, ttl: 101 }, at)),
    ).toBe('E_INVALID_TTL')
    expect(() => new Registrations({ minTtl: 10, maxTtl: 5 })).toThrow(RangeError)
  })

  it('refuses empty and over-long namespaces', () => {
    const table = new Registrations({ maxNamespaceLength: 4 })
    expect(refusal(() => table.register({ namespace: '', peer: 'p', signedPeerRecord: record }, at))).toBe(
      'E_INVALID_NAMESPACE',
    )
    expect(
      refusal(() => table.register({ namespace: 'abcde', peer: 'p', signedPeerRecord: record }, at)),
    ).toBe('E_INVALID_NAMESPACE')
    expect(refusal(() => table.discover('abcde', 0, undefined, at))).toBe('E_INVALID_NAMESPACE')
  })

  it('expires registrations when their ttl runs out, not before', () => {
    const table = new Registrations({ minTtl: 10, maxTtl: 100 })
    table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record, ttl: 10 }, at)
    table.register({ namespace: 'a', peer: 'q', signedPeerRecord: record, ttl: 20 }, at)
    expect(table.discover('a', 0, undefined, at + 9_999).registrations).toHaveLength(2)
    expect(table.discover('a', 0, undefined, at + 10_000).registrations.map((r) => r.peer)).toEqual(['q'])
    expect(table.size).toBe(1)
    table.expire(at + 20_000)
    expect(table.size).toBe(0)
  })

  it('re-registering replaces the registration; unregister removes it and is a no-op when absent', () => {
    const table = new Registrations({ minTtl: 1 })
    table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record, ttl: 10 }, at)
    table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record, ttl: 20 }, at)
    expect(table.size).toBe(1)
    expect(table.discover('a', 0, undefined, at).registrations[0]!.ttl).toBe(20)
    table.unregister('a', 'p')
    table.unregister('a', 'p')
    table.unregister('nothing', 'p')
    expect(table.size).toBe(0)
  })

  it('bounds registrations per peer and in total', () => {
    const table = new Registrations({ maxRegistrationsPerPeer: 2, maxRegistrations: 3 })
    table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record }, at)
    table.register({ namespace: 'b', peer: 'p', signedPeerRecord: record }, at)
    // refreshing an existing registration is always allowed
    table.register({ namespace: 'b', peer: 'p', signedPeerRecord: record }, at)
    expect(refusal(() => table.register({ namespace: 'c', peer: 'p', signedPeerRecord: record }, at))).toBe(
      'E_UNAVAILABLE',
    )
    table.register({ namespace: 'a', peer: 'q', signedPeerRecord: record }, at)
    expect(refusal(() => table.register({ namespace: 'a', peer: 'r', signedPeerRecord: record }, at))).toBe(
      'E_UNAVAILABLE',
    )
  })

  it('pages with limit and cookie, returning only what is new, per namespace or across all', () => {
    const table = new Registrations({ maxDiscoverLimit: 3 })
    for (const peer of ['p1', 'p2', 'p3', 'p4'])
      table.register({ namespace: 'a', peer, signedPeerRecord: record }, at)
    table.register({ namespace: 'b', peer: 'x', signedPeerRecord: record }, at)
    const first = table.discover('a', 2, undefined, at)
    expect(first.registrations.map((r) => r.peer)).toEqual(['p1', 'p2'])
    const second = table.discover('a', 0, first.cookie, at)
    expect(second.registrations.map((r) => r.peer)).toEqual(['p3', 'p4'])
    expect(table.discover('a', 0, second.cookie, at).registrations).toEqual([])
    table.register({ namespace: 'a', peer: 'p5', signedPeerRecord: record }, at)
    expect(table.discover('a', 0, second.cookie, at).registrations.map((r) => r.peer)).toEqual(['p5'])
    // limit capped by maxDiscoverLimit; no namespace means all of them
    expect(table.discover(undefined, 100, undefined, at).registrations.map((r) => r.peer)).toEqual([
      'p1',
      'p2',
      'p3',
    ])
    expect(refusal(() => table.discover('b', 0, first.cookie, at))).toBe('E_INVALID_COOKIE')
    expect(refusal(() => table.discover('a', 0, new Uint8Array([9, 9, 9]), at))).toBe('E_INVALID_COOKIE')
  })
})

const bytes = (size: number): Uint8Array => new Uint8Array(size)

describe('Registrations: stored bytes', () => {
  it('refuses a record over maxRecordSize, and bytes beyond the per-peer and total caps', () => {
    const table = new Registrations({ maxRecordSize: 100, maxBytesPerPeer: 250, maxBytes: 400 })
    const register = (namespace: string, peer: string, size: number) => () =>
      table.register({ namespace, peer, signedPeerRecord: bytes(size) }, at)
    expect(refusal(register('a', 'p', 101))).toBe('E_INVALID_SIGNED_PEER_RECORD')
    expect(() => table.check({ namespace: 'a', peer: 'p', signedPeerRecord: bytes(101) }, at)).toThrow(
      /at most 100 bytes, got 101/,
    )
    // a stored registration counts its record and its namespace
    register('a', 'p', 99)()
    register('b', 'p', 99)()
    expect(table.bytesOf('p')).toBe(200)
    expect(refusal(register('c', 'p', 99))).toBe('E_UNAVAILABLE')
    // replacing a registration gives its bytes back first
    register('b', 'p', 49)()
    expect(table.bytesOf('p')).toBe(150)
    register('a', 'q', 99)()
    register('b', 'q', 99)()
    expect(table.bytes).toBe(350)
    expect(refusal(register('a', 'r', 99))).toBe('E_UNAVAILABLE')
    register('a', 'r', 49)()
    expect(table.bytes).toBe(400)
    expect(table.size).toBe(5)
    table.unregister('a', 'p')
    expect(table.bytesOf('p')).toBe(50)
    table.expire(at + DEFAULT_REGISTRATION_LIMITS.defaultTtl * 1000)
    expect([table.size, table.bytes, table.bytesOf('p'), table.bytesOf('q')]).toEqual([0, 0, 0, 0])
  })

  it('check() refuses as register() would, and registers nothing', () => {
    const table = new Registrations({ maxRegistrationsPerPeer: 1 })
    expect(table.check({ namespace: 'a', peer: 'p', signedPeerRecord: record }, at)).toEqual({
      namespace: 'a',
      ttl: DEFAULT_REGISTRATION_LIMITS.defaultTtl,
      size: 4,
    })
    expect(table.size).toBe(0)
    table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record }, at)
    expect(refusal(() => table.check({ namespace: 'b', peer: 'p', signedPeerRecord: record }, at))).toBe(
      'E_UNAVAILABLE',
    )
    // a refresh of the same namespace is allowed
    expect(table.check({ namespace: 'a', peer: 'p', signedPeerRecord: record }, at).size).toBe(4)
  })

  it('keeps a copy of the record, not a view that would keep the whole message alive', () => {
    const table = new Registrations()
    const message = new Uint8Array(10_000)
    const view = message.subarray(100, 200).fill(7)
    const registration = table.register({ namespace: 'a', peer: 'p', signedPeerRecord: view }, at)
    expect(registration.signedPeerRecord.buffer.byteLength).toBe(100)
    message.fill(0)
    expect(registration.signedPeerRecord.every((byte) => byte === 7)).toBe(true)
  })

  it('a full table sweeps out expired registrations before it refuses', () => {
    const table = new Registrations({ minTtl: 10, maxTtl: 100, maxRegistrations: 2, maxBytes: 1000 })
    table.register({ namespace: 'a', peer: 'p', signedPeerRecord: bytes(400), ttl: 10 }, at)
    table.register({ namespace: 'a', peer: 'q', signedPeerRecord: bytes(400), ttl: 10 }, at)
    expect(
      refusal(() =>
        table.register({ namespace: 'a', peer: 'r', signedPeerRecord: bytes(400), ttl: 10 }, at + 9_999),
      ),
    ).toBe('E_UNAVAILABLE')
    // a second later both have expired: the sweep makes room for count and bytes
    table.register({ namespace: 'a', peer: 'r', signedPeerRecord: bytes(400), ttl: 10 }, at + 10_999)
    expect([table.size, table.bytes]).toEqual([1, 401])
  })
})

describe('Registrations: discovery by a byte budget', () => {
  // sizes from a fixed sequence (a small LCG), so that pages end at varied points
  function filled(): { table: Registrations; order: Map<string, string[]> } {
    const table = new Registrations()
    const order = new Map<string, string[]>([['', []]])
    let seed = 7
    for (let index = 0; index < 90; index++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      const namespace = `ns-${index % 3}`
      const peer = `peer-${index}`
      table.register({ namespace, peer, signedPeerRecord: bytes(1 + (seed % 700)) }, at)
      order.set(namespace, [...(order.get(namespace) ?? []), peer])
      order.get('')!.push(peer)
    }
    return { table, order }
  }

  it('each page stays under the budget, and the cookie continues where the budget stopped', () => {
    const { table, order } = filled()
    const budget = 2000
    for (const [namespace, expected] of order) {
      const seen: string[] = []
      let cookie: Uint8Array | undefined
      let pages = 0
      for (; pages < 200; pages++) {
        const page = table.discover(namespace, 0, cookie, at, budget)
        cookie = page.cookie
        if (page.registrations.length === 0) break
        expect(page.bytes).toBeLessThanOrEqual(budget)
        expect(page.bytes).toBe(
          page.registrations.reduce((sum, each) => sum + each.size + REGISTRATION_WIRE_OVERHEAD, 0),
        )
        seen.push(...page.registrations.map((each) => each.peer))
      }
      expect(pages).toBeGreaterThan(expected.length / 10)
      // every registration exactly once, in registration order
      expect(seen).toEqual(expected)
    }
  })

  it('the count limit and the byte budget both end a page; a budget below one registration still returns one', () => {
    const { table, order } = filled()
    expect(table.discover('', 3, undefined, at).registrations).toHaveLength(3)
    const first = table.discover('', 0, undefined, at, 1)
    expect(first.registrations.map((each) => each.peer)).toEqual([order.get('')![0]])
    const second = table.discover('', 0, first.cookie, at, 1)
    expect(second.registrations.map((each) => each.peer)).toEqual([order.get('')![1]])
  })

  it('expired registrations met by discovery are dropped on the spot', () => {
    const table = new Registrations({ minTtl: 10, maxTtl: 100 })
    table.register({ namespace: 'a', peer: 'p', signedPeerRecord: record, ttl: 10 }, at)
    table.register({ namespace: 'b', peer: 'q', signedPeerRecord: record, ttl: 20 }, at)
    expect(table.discover('', 0, undefined, at + 15_000).registrations.map((each) => each.peer)).toEqual([
      'q',
    ])
    expect([table.size, table.bytesOf('p')]).toEqual([1, 0])
  })
})
