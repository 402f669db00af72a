/** The pure parts of the harness: statistics, targets, argument parsing, the chart. */
import { describe, expect, it } from 'vitest'
import { renderChart } from '../src/chart.js'
import { FULL, parseArgs, SMOKE } from '../src/config.js'
import { metricDefs, Results } from '../src/metrics.js'
import { packageOf } from '../src/profile-summary.js'
import { markdownTable } from '../src/report.js'
import { median, quantile, summarize } from '../src/stats.js'

describe('stats', () => {
  it('computes quantiles with interpolation', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(quantile([1, 2, 3, 4, 5], 0.95)).toBeCloseTo(4.8)
    expect(quantile([7], 0.95)).toBe(7)
    expect(() => quantile([], 0.5)).toThrow(RangeError)
    expect(summarize([2, 9, 4])).toEqual({ median: 4, min: 2, max: 9, n: 3 })
    expect(summarize([])).toBeUndefined()
  })
})

describe('Results', () => {
  it('computes ratios and checks targets in the right direction', () => {
    const results = new Results(metricDefs(['yamux']))
    results.add('throughput/yamux/upload', 'weft', 300)
    results.add('throughput/yamux/upload', 'js', 100)
    results.add('throughput/reference', 'raw', 400)
    results.add('setup/median', 'weft', 6)
    results.add('setup/median', 'js', 10)
    results.add('setup/round-trips', 'weft', 2.1)
    const evaluated = results.evaluate()
    const up = evaluated.find((r) => r.id === 'throughput/yamux/upload')!
    expect(up.ratio).toBe(3)
    expect(up.ofReference).toBe(0.75)
    expect(up.met).toBe(true)
    const setup = evaluated.find((r) => r.id === 'setup/median')!
    expect(setup.ratio).toBe(0.6)
    expect(setup.met).toBe(false)
    expect(evaluated.find((r) => r.id === 'setup/round-trips')!.met).toBe(true)
    expect(evaluated.find((r) => r.id === 'ping/rtt')!.met).toBeUndefined()
    expect(markdownTable(evaluated)).toContain('| 3.00×, 75% of ref. |')
  })

  it('holds the playground ratio to 0.8 of /perf, weft only', () => {
    const results = new Results(metricDefs(['yamux']))
    results.add('playground/ratio', 'weft', 0.85)
    const met = results.evaluate().find((r) => r.id === 'playground/ratio')!
    expect(met.met).toBe(true)
    expect(met.ratio).toBeUndefined()
    const missed = new Results(metricDefs(['yamux']))
    missed.add('playground/ratio', 'weft', 0.5)
    expect(missed.evaluate().find((r) => r.id === 'playground/ratio')!.met).toBe(false)
    expect(markdownTable(missed.evaluate())).toContain('| ≥ 0.8 of /perf | **no** |')
  })

  it('refuses unknown metrics and non-finite values', () => {
    const results = new Results(metricDefs(['yamux']))
    expect(() => results.add('nope', 'weft', 1)).toThrow()
    expect(() => results.add('ping/rtt', 'weft', Number.NaN)).toThrow()
  })
})

describe('parseArgs', () => {
  it('reads the modes and options', () => {
    expect(parseArgs([]).config).toEqual(FULL)
    expect(parseArgs(['--smoke']).config).toEqual(SMOKE)
    const parsed = parseArgs(['--smoke', '--reps', '3', '--only', 'setup,ping', '--out', '/tmp/x'])
    expect(parsed.config.reps).toBe(3)
    expect(parsed.config.cases).toEqual(['setup', 'ping'])
    expect(parseArgs(['--only', 'playground']).config.cases).toEqual(['playground'])
    expect(SMOKE.cases).toContain('playground')
    expect(parsed.outDir).toBe('/tmp/x')
    expect(() => parseArgs(['--only', 'nope'])).toThrow()
    expect(() => parseArgs(['--reps', '0'])).toThrow()
    expect(() => parseArgs(['--what'])).toThrow()
  })
})

describe('renderChart', () => {
  it('draws a bar per series and escapes labels', () => {
    const results = new Results(metricDefs(['yamux']))
    results.add('throughput/yamux/upload', 'weft', 200)
    results.add('throughput/yamux/upload', 'js', 100)
    results.add('setup/median', 'weft', 5)
    results.add('setup/median', 'js', 9)
    const svg = renderChart(results.evaluate(), 'a <machine>')
    expect(svg).toContain('a &lt;machine&gt;')
    expect(svg.match(/class="bar"/g)?.length).toBe(4)
  })
})

describe('packageOf', () => {
  it('names the package of a profiled script', () => {
    expect(packageOf('file:///work/main/packages/security/noise/dist/src/node.js')).toBe(
      'packages/security/noise',
    )
    expect(
      packageOf(
        'file:///work/main/node_modules/.pnpm/@chainsafe+libp2p-noise@17.0.0/node_modules/@chainsafe/libp2p-noise/dist/src/x.js',
      ),
    ).toBe('@chainsafe/libp2p-noise')
    expect(packageOf('node:internal/crypto/cipher')).toBe('node core')
    expect(packageOf('')).toBe('(native / gc / idle)')
  })
})
