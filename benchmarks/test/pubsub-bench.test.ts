/**
 * The gossipsub benchmark scenario, small: both stacks deliver every message
 * over the same seeded topology; the pure scenario helpers are checked too.
 * No timing assertions.
 */
import { describe, expect, it } from 'vitest'
import { runScenario } from '../src/pubsub-run.js'
import { percentile, publishers, summarize, topology } from '../src/pubsub-scenario.js'

describe('pubsub scenario', () => {
  it('builds a connected sparse topology, the same for the same seed', () => {
    const config = { hosts: 50, extraLinks: 2, seed: 7 }
    const links = topology(config)
    expect(topology(config)).toEqual(links)
    const reached = new Set([0])
    let grew = true
    while (grew) {
      grew = false
      for (const [a, b] of links) {
        if (reached.has(a) !== reached.has(b)) {
          reached.add(a)
          reached.add(b)
          grew = true
        }
      }
    }
    expect(reached.size).toBe(50)
    expect(links.length).toBeLessThanOrEqual(49 + 100)
    expect(links.every(([a, b]) => a !== b)).toBe(true)
    expect(publishers({ hosts: 50, messages: 10, seed: 7 }).every((p) => p >= 0 && p < 50)).toBe(true)
  })

  it('summarizes deliveries, percentiles and duplicates', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2)
    const stats = summarize({
      hosts: 3,
      messages: 2,
      latencies: [1, 2, 3, 4],
      expected: 4,
      copiesReceived: 6,
      elapsed: 5,
    })
    expect(stats.deliveryRatio).toBe(1)
    expect(stats.duplicatesPerDelivery).toBe(0.5)
  })

  it.each(['weft', 'js'] as const)(
    '%s delivers every message in a 12-host network',
    async (stack) => {
      const run = await runScenario(
        stack,
        { hosts: 12, messages: 30, extraLinks: 2, interval: 10, size: 600, seed: 3, drain: 20_000 },
        { warmup: 1500 },
      )
      const stats = summarize(run)
      expect(stats.deliveryRatio).toBe(1)
      expect(stats.duplicatesPerDelivery).toBeGreaterThanOrEqual(0)
    },
    120_000,
  )
})
