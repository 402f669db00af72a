/** Smoke test of the acceptance-2 simulation (sim/mainline-sim.ts) at a small size. */
import { describe, expect, it } from 'vitest'
import { report, simulate } from '../sim/mainline-sim.js'

describe('the Mainline simulation', () => {
  it('measures weft and bittorrent-dht the same way, with and without churn', async () => {
    const figures = await simulate({ weftNodes: 200, bittorrentNodes: 100, lookups: 20 })
    expect(figures.map((row) => `${row.implementation} ${row.churn}`)).toEqual([
      'weft 0',
      'weft 0.2',
      'bittorrent-dht 0',
      'bittorrent-dht 0.2',
    ])
    for (const row of figures) {
      expect(row.lookups).toBe(20)
      expect(row.success).toBeGreaterThanOrEqual(0.9)
      expect(row.roundsMedian).toBeGreaterThanOrEqual(1)
      expect(row.messagesMedian).toBeGreaterThan(0)
    }
    const [weft, , bittorrent] = figures
    expect(weft?.nodes).toBe(200)
    expect(bittorrent?.nodes).toBe(100)
    // fewer get_peers queries per lookup than bittorrent-dht, even on a swarm twice its size
    expect(weft?.messagesMedian).toBeLessThan(bittorrent?.messagesMedian as number)
    expect(report(figures, 'test')).toMatch(/\| weft \| 200 \| 20% \| 20 \|/)
  }, 120_000)
})
