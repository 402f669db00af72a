import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareStamps, type Json, LwwMap, StateLimitError, type WireEntry } from '../src/index.js'

const NODES = ['peer-a', 'peer-b', 'peer-c', 'peer-d', 'peer-e']

type Op =
  | { type: 'write'; node: number; key: string; value: Json | undefined; tick: number }
  | { type: 'partition'; groups: number[] }
  | { type: 'heal' }
  | { type: 'sync'; a: number; b: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      type: fc.constant('write' as const),
      node: fc.nat(4),
      key: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
      value: fc.option(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { nil: undefined }),
      tick: fc.nat(3),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('partition' as const),
      groups: fc.array(fc.nat(2), { minLength: 5, maxLength: 5 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('heal' as const) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('sync' as const), a: fc.nat(4), b: fc.nat(4) }) },
)

/** The anti-entropy exchange SharedState runs over a stream, between two maps. */
function antiEntropy(a: LwwMap, b: LwwMap): void {
  const digest = a.digest()
  const reply = b.newerThan(digest)
  const theirDigest = b.digest()
  for (const wire of reply) a.merge(wire)
  for (const wire of a.newerThan(theirDigest)) b.merge(wire)
}

describe('LwwMap: five replicas, random writes, partitions and rejoins', () => {
  it('converges to one state, the latest write of each key, on every replica', () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 5, maxLength: 5 }),
        (ops, skews) => {
          let time = 1_000
          // each replica's wall clock is off by its skew: concurrent writes meet out of real-time order
          const replicas = NODES.map((node, i) => new LwwMap({ node, now: () => time + skews[i]! }))
          let groups = [0, 0, 0, 0, 0]
          const writes: WireEntry[] = []
          for (const step of ops) {
            if (step.type === 'write') {
              time += step.tick
              const wire = replicas[step.node]!.write(step.key, step.value)
              writes.push(wire)
              // the delta reaches the replicas on the writer's side of the partition
              replicas.forEach((replica, i) => {
                if (i !== step.node && groups[i] === groups[step.node]) replica.merge(wire)
              })
            } else if (step.type === 'partition') {
              groups = step.groups
            } else if (step.type === 'heal') {
              groups = [0, 0, 0, 0, 0]
            } else if (groups[step.a] === groups[step.b] && step.a !== step.b) {
              antiEntropy(replicas[step.a]!, replicas[step.b]!)
            }
          }
          // the partitions heal: every pair of peers connects and runs anti-entropy once
          for (let i = 0; i < replicas.length; i++) {
            for (let j = i + 1; j < replicas.length; j++) antiEntropy(replicas[i]!, replicas[j]!)
          }
          const expected: Record<string, Json> = {}
          const winners = new Map<string, WireEntry>()
          for (const wire of writes) {
            const current = winners.get(wire[0])
            if (current == null || compareStamps(wire[1], current[1]) > 0) winners.set(wire[0], wire)
          }
          for (const key of [...winners.keys()].sort()) {
            const wire = winners.get(key)!
            if (wire.length === 3) expected[key] = wire[2]!
          }
          for (const replica of replicas) expect(replica.toJSON()).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('resolves concurrent writes the same way whatever order they arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(4), fc.integer()), { minLength: 2, maxLength: 10 }),
        fc.nat(1000),
        (writes, seed) => {
          // every writer writes the same key at the same wall time: only the counter and the peer id decide
          const writers = NODES.map((node) => new LwwMap({ node, now: () => 5_000 }))
          const wires = writes.map(([node, value]) => writers[node]!.write('k', value))
          const forward = new LwwMap({ node: 'reader-1', now: () => 5_000 })
          const shuffled = new LwwMap({ node: 'reader-2', now: () => 5_000 })
          for (const wire of wires) forward.merge(wire)
          const order = [...wires].sort(
            (x, y) =>
              ((JSON.stringify(x).length * 31 + seed) % 7) - ((JSON.stringify(y).length * 31 + seed) % 7),
          )
          for (const wire of order.reverse()) shuffled.merge(wire)
          for (const wire of wires) shuffled.merge(wire) // duplicates change nothing
          expect(shuffled.toJSON()).toEqual(forward.toJSON())
        },
      ),
    )
  })

  it('breaks an exact tie by peer id, the same on every replica', () => {
    const a = new LwwMap({ node: 'peer-a', now: () => 7 })
    const b = new LwwMap({ node: 'peer-b', now: () => 7 })
    const fromA = a.write('k', 'a')
    const fromB = b.write('k', 'b')
    expect(fromA[1].slice(0, 2)).toEqual(fromB[1].slice(0, 2))
    a.merge(fromB)
    b.merge(fromA)
    expect(a.get('k')).toBe('b')
    expect(b.get('k')).toBe('b')
  })

  it('orders a write after every write its writer saw, even with a slow clock', () => {
    const fast = new LwwMap({ node: 'fast', now: () => 10_000 })
    const slow = new LwwMap({ node: 'slow', now: () => 1_000 })
    slow.merge(fast.write('k', 'old'))
    slow.write('k', 'new')
    expect(slow.get('k')).toBe('new')
    fast.merge(slow.newerThan(fast.digest())[0])
    expect(fast.get('k')).toBe('new')
  })

  it('keeps deletes as tombstones that win by their stamp', () => {
    const a = new LwwMap({ node: 'a', now: () => 1 })
    const b = new LwwMap({ node: 'b', now: () => 2 })
    const set = a.write('k', 1)
    b.merge(set)
    const removed = b.write('k', undefined)
    a.merge(removed)
    a.merge(set)
    expect(a.has('k')).toBe(false)
    expect(a.toJSON()).toEqual({})
    expect(a.size).toBe(1)
  })

  it('bounds keys, key length, value size and clock drift', () => {
    const map = new LwwMap({ node: 'a', maxEntries: 2, maxKeyLength: 4, maxValueBytes: 8, now: () => 1_000 })
    map.write('a', 1)
    map.write('b', 2)
    expect(() => map.write('c', 3)).toThrow(StateLimitError)
    map.write('a', 5) // an existing key still takes writes
    expect(() => map.write('toolong', 1)).toThrow(StateLimitError)
    expect(() => map.write('a', 'x'.repeat(20))).toThrow(StateLimitError)
    expect(map.merge(['c', [2_000, 0, 'b'], 1])).toBeUndefined() // full
    expect(map.merge(['a', [1_000 + 120_000, 0, 'b'], 1])).toBeUndefined() // too far ahead
    expect(map.merge(['a', [1_000, 9, 'b'], 'ok'])?.value).toBe('ok')
    expect(map.merge(['a', 'not a stamp', 1])).toBeUndefined()
  })
})
