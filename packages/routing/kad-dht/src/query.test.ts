import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { commonPrefixLength, compareCloseness, kadId } from './distance.js'
import { Lookup } from './query.js'

/**
 * A simulated network of `size` nodes, each with a full Kademlia table (up
 * to `k` nodes per common-prefix bucket): the lookup must find the globally
 * closest nodes to the target.
 */
function simulate(size: number, seed: number, k: number) {
  const nodes = Array.from({ length: size }, (_, i) => {
    const key = `n${seed}-${i}`
    return { key, kadId: kadId(new TextEncoder().encode(key)), value: i }
  })
  const neighbours = nodes.map((node) => {
    const buckets = new Map<number, typeof nodes>()
    for (const other of nodes) {
      if (other === node) continue
      const index = commonPrefixLength(node.kadId, other.kadId)
      const bucket = buckets.get(index) ?? []
      if (bucket.length < k) bucket.push(other)
      buckets.set(index, bucket)
    }
    return [...buckets.values()].flat()
  })
  return { nodes, neighbours }
}

describe('Lookup', () => {
  it('hands out at most alpha queries at a time, closest first', () => {
    const target = new Uint8Array(32)
    const lookup = new Lookup<number>({ target, k: 2, alpha: 3 })
    const peers = [0x80, 0x01, 0x40, 0x10, 0x20].map((byte, i) => {
      const kad = new Uint8Array(32)
      kad[0] = byte
      return { key: `p${i}`, kadId: kad, value: i }
    })
    lookup.add(peers)
    const first = lookup.next()
    expect(first.map((c) => c.key)).toEqual(['p1', 'p3', 'p4'])
    expect(lookup.next()).toEqual([])
    expect(lookup.inFlight).toBe(3)
    lookup.failed('p1')
    expect(lookup.next().map((c) => c.key)).toEqual(['p2'])
    lookup.succeeded('p3')
    lookup.succeeded('p4')
    // the two closest that did not fail (p3, p4) have answered: converged
    expect(lookup.isDone()).toBe(true)
    expect(lookup.closest().map((c) => c.key)).toEqual(['p3', 'p4'])
    expect(lookup.rpcs).toBe(4)
  })

  it('ignores excluded, duplicate and unknown keys', () => {
    const lookup = new Lookup<number>({ target: new Uint8Array(32), exclude: ['me'] })
    lookup.add([
      { key: 'me', kadId: new Uint8Array(32), value: 0 },
      { key: 'a', kadId: new Uint8Array(32), value: 1 },
      { key: 'a', kadId: new Uint8Array(32), value: 2 },
    ])
    expect(lookup.all()).toHaveLength(1)
    lookup.succeeded('nobody')
    lookup.failed('a') // not in flight: ignored
    expect(lookup.all()[0]!.state).toBe('waiting')
  })

  it('is done when nothing is left to ask', () => {
    const lookup = new Lookup<number>({ target: new Uint8Array(32) })
    expect(lookup.isDone()).toBe(true)
    lookup.add([{ key: 'a', kadId: new Uint8Array(32), value: 1 }])
    expect(lookup.isDone()).toBe(false)
    lookup.next()
    lookup.failed('a')
    expect(lookup.isDone()).toBe(true)
    expect(lookup.closest()).toEqual([])
  })

  it('stops when told to', () => {
    const lookup = new Lookup<number>({ target: new Uint8Array(32) })
    lookup.add([{ key: 'a', kadId: new Uint8Array(32), value: 1 }])
    lookup.stop()
    expect(lookup.next()).toEqual([])
    expect(lookup.isDone()).toBe(true)
  })

  it('keeps at most maxCandidates', () => {
    const lookup = new Lookup<number>({ target: new Uint8Array(32), k: 2, maxCandidates: 5 })
    lookup.add(
      Array.from({ length: 50 }, (_, i) => ({ key: `p${i}`, kadId: kadId(new Uint8Array([i])), value: i })),
    )
    expect(lookup.all()).toHaveLength(5)
  })

  it('converges on the k closest nodes of a simulated network, with rounds counted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (seed, target) => {
          const k = 8
          const { nodes, neighbours } = simulate(120, seed, k)
          const lookup = new Lookup<number>({ target, k, alpha: 3 })
          lookup.add([nodes[seed % nodes.length]!])
          let maxRound = 0
          let steps = 0
          while (!lookup.isDone() && steps++ < 10_000) {
            const batch = lookup.next()
            for (const candidate of batch) {
              maxRound = Math.max(maxRound, candidate.round)
              lookup.succeeded(candidate.key, neighbours[candidate.value]!)
            }
          }
          const expected = [...nodes]
            .sort((a, b) => compareCloseness(target, a.kadId, b.kadId))
            .slice(0, k)
            .map((node) => node.key)
          expect(lookup.closest().map((c) => c.key)).toEqual(expected)
          expect(maxRound).toBeGreaterThan(0)
          expect(lookup.rpcs).toBeLessThan(nodes.length)
        },
      ),
      { numRuns: 30 },
    )
  })

  it('refuses k or alpha below 1', () => {
    expect(() => new Lookup({ target: new Uint8Array(32), alpha: 0 })).toThrow(RangeError)
  })
})
