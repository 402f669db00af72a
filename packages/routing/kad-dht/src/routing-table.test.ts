import type { PeerId } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { compareCloseness, compareDistances, kadId, xorDistance } from './distance.js'
import { RoutingTable } from './routing-table.js'

async function peers(count: number): Promise<PeerId[]> {
  return Promise.all(
    Array.from({ length: count }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))),
  )
}

describe('RoutingTable', () => {
  let self: PeerId
  let others: PeerId[]

  beforeAll(async () => {
    ;[self, ...others] = await peers(301)
  })

  it('adds peers, finds them, and never adds itself', () => {
    const table = new RoutingTable(self)
    expect(table.add(others[0]!)).toEqual({ added: true, updated: false })
    expect(table.add(others[0]!)).toEqual({ added: true, updated: true })
    table.add(self)
    expect(table.size).toBe(1)
    expect(table.has(others[0]!)).toBe(true)
    expect(table.has(self)).toBe(false)
    expect(table.remove(others[0]!)).toBe(true)
    expect(table.remove(others[0]!)).toBe(false)
    expect(table.size).toBe(0)
  })

  it('keeps at most k peers per bucket and names the least recently seen when full', () => {
    let now = 0
    const table = new RoutingTable(self, { k: 2, now: () => now++ })
    const refused: PeerId[] = []
    for (const peer of others) {
      const result = table.add(peer)
      if (!result.added) {
        refused.push(peer)
        const bucket = table.bucket(table.bucketIndex(result.leastRecentlySeen.kadId))
        expect(bucket).toHaveLength(2)
        expect(bucket[0]).toBe(result.leastRecentlySeen)
      }
    }
    for (let i = 0; i <= 256; i++) expect(table.bucket(i).length).toBeLessThanOrEqual(2)
    expect(refused.length).toBeGreaterThan(0)
    expect(table.size + refused.length).toBe(others.length)
    // half the peers fall in bucket 0, so it is full
    expect(table.bucket(0)).toHaveLength(2)
  })

  it('replaces a failed peer with the newcomer', () => {
    const table = new RoutingTable(self, { k: 1 })
    let refused: { old: PeerId; newcomer: PeerId } | undefined
    for (const peer of others) {
      const result = table.add(peer)
      if (!result.added) {
        refused = { old: result.leastRecentlySeen.peerId, newcomer: peer }
        break
      }
    }
    expect(refused).toBeDefined()
    expect(table.replace(refused!.old, refused!.newcomer).added).toBe(true)
    expect(table.has(refused!.old)).toBe(false)
    expect(table.has(refused!.newcomer)).toBe(true)
  })

  it('returns the closest peers in order, the same as sorting all of them', async () => {
    const table = new RoutingTable(self, { k: 20 })
    for (const peer of others) table.add(peer)
    const entries = [...table.peers()]
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 40 }),
        (target, count) => {
          const expected = [...entries]
            .sort((a, b) => compareCloseness(target, a.kadId, b.kadId))
            .slice(0, count)
            .map((entry) => entry.peerId.toString())
          const actual = table.closest(target, count).map((entry) => entry.peerId.toString())
          expect(actual).toEqual(expected)
        },
      ),
      { numRuns: 200 },
    )
    // the closest to a peer's own point is that peer
    const target = kadId(others[5]!.toMultihash().bytes)
    const first = table.closest(target, 1)[0]!
    expect(compareDistances(xorDistance(first.kadId, target), xorDistance(target, target))).toBe(0)
  })

  it('reports buckets due for refresh up to the highest non-empty one', () => {
    let now = 0
    const table = new RoutingTable(self, { now: () => now })
    expect(table.staleBuckets(1000, 15)).toEqual([])
    for (const peer of others.slice(0, 20)) table.add(peer)
    now = 2000
    const stale = table.staleBuckets(1000, 15)
    expect(stale[0]).toBe(0)
    expect(stale.length).toBeLessThanOrEqual(16)
    table.markRefreshed(0)
    expect(table.staleBuckets(1000, 15)).not.toContain(0)
  })

  it('refuses a k below 1', () => {
    expect(() => new RoutingTable(self, { k: 0 })).toThrow(RangeError)
  })
})
