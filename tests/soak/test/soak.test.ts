/**
 * The soak in CI: three minutes of churn (SOAK_MINUTES to change it). It
 * fails on a leak — heap, RSS or descriptors growing after the warm-up, or
 * anything left after the stop — and on any unhandled rejection. The
 * 30-minute run is `node tests/soak/dist/src/cli.js --minutes 30`.
 */
import { describe, expect, it } from 'vitest'
import { formatReport, runSoak } from '../src/soak.js'

const minutes = Number(process.env.SOAK_MINUTES ?? 3)

describe('the churn soak', () => {
  it(
    `${minutes} min of churn: flat memory and descriptors, nothing left, no unhandled rejection`,
    async () => {
      // a short run spends longer filling its capped caches: judge the last 60%
      const warmup = minutes < 10 ? 0.4 : 0.25
      const report = await runSoak({ durationMs: minutes * 60_000, warmup, log: (line) => console.log(line) })
      console.log(formatReport(report))
      expect(report.rejections).toEqual([])
      expect(report.exceptions).toEqual([])
      expect(report.failures).toEqual([])
      expect(report.passed).toBe(true)
    },
    (minutes * 60 + 120) * 1000,
  )
})
