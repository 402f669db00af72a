import { describe, expect, it } from 'vitest'
import { RegistrationRefusedError, Registrations } from '../src/index.js'

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
