/**
 * Runs the DHT scale harness at a tiny size (weft 30 hosts, js-libp2p 10
 * nodes) so it cannot rot: every scenario yields a row, the report renders,
 * and weft finds every peer of a small static network. No timing
 * assertions: machines vary.
 */
import { describe, expect, it } from 'vitest'
import { runJsScenarios } from '../src/dht-js.js'
import { markdown, weftScenarios } from '../src/dht-scale.js'
import { seededRandom, summarizeLookups } from '../src/dht-stats.js'

describe('DHT scale harness (smoke)', { timeout: 300_000 }, () => {
  it('measures weft and js-libp2p lookups, static and under churn', async () => {
    const options = {
      size: 30,
      lookups: 10,
      jsSize: 10,
      seed: 7,
      concurrency: 2,
      encryption: 'plaintext' as const,
    }
    const weft = await weftScenarios(options, () => {})
    expect(weft.map((row) => row.scenario)).toEqual(['static', 'churn 20%'])
    for (const row of weft) {
      expect(row.lookups).toBe(10)
      expect(row.rpcsMean).toBeGreaterThan(0)
      expect(row.roundsMedian).toBeGreaterThanOrEqual(1)
    }
    expect(weft[0]!.successRate).toBe(1)
    const js = await runJsScenarios(options, () => {})
    expect(js.map((row) => `${row.stack} ${row.scenario}`)).toEqual([
      'js-libp2p static',
      'js-libp2p churn 20%',
    ])
    const report = markdown([...weft, ...js], 'node dist/src/dht-scale.js --smoke', 'plaintext')
    expect(report).toContain('| weft | 30 | static | 10 |')
    expect(report).toContain('| js-libp2p | 10 | churn 20% | 10 |')
  })

  it('summarizes samples into rates and quantiles', () => {
    const row = summarizeLookups('weft', 4, 'static', [
      { found: true, rounds: 1, rpcs: 3, latency: 10 },
      { found: true, rounds: 3, rpcs: 9, latency: 30 },
      { found: false, rounds: 0, rpcs: 12, latency: 50 },
      { found: true, rounds: 2, rpcs: 6, latency: 20 },
    ])
    expect(row.successRate).toBe(0.75)
    expect(row.roundsMedian).toBe(2)
    expect(row.rpcsMean).toBe(7.5)
    expect(row.latencyP50).toBe(25)
    const random = seededRandom(3)
    const again = seededRandom(3)
    expect([random(), random()]).toEqual([again(), again()])
  })
})
