/** The side-by-side /perf/1.0.0 table: samples per pair, summaries, the rows for anchors not run. */
import { describe, expect, it } from 'vitest'
import { parseArgs, SMOKE } from '../src/config.js'
import { PERF_PAIRS, PerfPairs, perfPairsSection, perfPairsTable } from '../src/perf-pairs.js'

describe('PerfPairs', () => {
  it('summarises each pair and keeps the report order', () => {
    const pairs = new PerfPairs()
    pairs.add('go', 'weft', { uploadMBps: 100, downloadMBps: 200, connectMs: 5 })
    pairs.add('go', 'weft', { uploadMBps: 300, downloadMBps: 100, connectMs: 7 })
    pairs.add('go', 'weft', { uploadMBps: 200, downloadMBps: 300, connectMs: 6 })
    const results = pairs.evaluate()
    expect(results.map((result) => [result.client, result.server])).toEqual(PERF_PAIRS)
    const goWeft = results.find((result) => result.client === 'go' && result.server === 'weft')!
    expect(goWeft.upload).toEqual({ median: 200, min: 100, max: 300, n: 3 })
    expect(goWeft.connect).toEqual({ median: 6, min: 5, max: 7, n: 3 })
    expect(results.find((result) => result.client === 'rust')!.upload).toBeUndefined()
  })

  it('refuses samples that are not positive numbers', () => {
    const pairs = new PerfPairs()
    expect(() => pairs.add('go', 'go', { uploadMBps: Number.NaN, downloadMBps: 1, connectMs: 1 })).toThrow(
      RangeError,
    )
    expect(() => pairs.add('go', 'go', { uploadMBps: 1, downloadMBps: 0, connectMs: 1 })).toThrow(RangeError)
  })

  it('renders figures, dashes for pairs without samples, and why an anchor was not run', () => {
    const pairs = new PerfPairs()
    pairs.add('weft', 'weft', { uploadMBps: 123.4, downloadMBps: 56.78, connectMs: 4.321 })
    const table = perfPairsTable(pairs.evaluate(), new Map([['rust', '`cargo` is not available']]))
    expect(table).toContain('| weft → weft | 123 | 56.8 | 4.32 |')
    expect(table).toContain('| go-libp2p → weft | — | — | — |')
    expect(table).toContain('| weft → rust-libp2p | not run: `cargo` is not available | | |')
    expect(table).toContain('| rust-libp2p → rust-libp2p | not run: `cargo` is not available | | |')
    const section = perfPairsSection({
      results: pairs.evaluate(),
      notRun: {},
      versions: { 'github.com/libp2p/go-libp2p': 'v0.51.0' },
    })
    expect(section).toContain('Anchors: github.com/libp2p/go-libp2p v0.51.0.')
  })
})

describe('the anchors case', () => {
  it('runs in a full run and with --only, not in the default smoke run', () => {
    expect(parseArgs([]).config.cases).toContain('anchors')
    expect(SMOKE.cases).not.toContain('anchors')
    expect(parseArgs(['--smoke', '--only', 'throughput,anchors']).config.cases).toEqual([
      'throughput',
      'anchors',
    ])
  })
})
