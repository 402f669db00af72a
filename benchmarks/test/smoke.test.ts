/**
 * Runs `pnpm bench --smoke` (tiny sizes, one repetition) end to end so the
 * harness cannot rot, and checks that every case produced numbers for both
 * stacks. No timing assertions: CI machines vary.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MetricResult } from '../src/metrics.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const POLYFILL = join(ROOT, 'interop/polyfill.mjs')

describe('pnpm bench --smoke', () => {
  const out = mkdtempSync(join(tmpdir(), 'weft-bench-test-'))
  let results: MetricResult[] = []
  let stdout = ''

  beforeAll(async () => {
    // the harness forks the compiled workers: bring dist/ up to date first
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'benchmarks'], { cwd: ROOT, timeout: 240_000 })
    const child = await run(
      process.execPath,
      ['--import', POLYFILL, 'dist/src/run.js', '--smoke', '--out', out],
      { cwd: join(ROOT, 'benchmarks'), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    )
    stdout = child.stdout
    results = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: MetricResult[] })
      .results
  }, 500_000)

  afterAll(() => {
    rmSync(out, { recursive: true, force: true })
  })

  it('measures every case for weft and js-libp2p (the playground case for weft)', () => {
    expect(stdout).not.toContain('FAILED')
    expect(stdout).toMatch(/playground: \/perf [\d.]+ MB\/s, getFile [\d.]+ MB\/s, ratio \d+%/)
    const cases = new Set(results.map((result) => result.case))
    expect([...cases].sort()).toEqual([
      'cold-start',
      'memory',
      'ping',
      'playground',
      'setup',
      'streams',
      'throughput',
    ])
    for (const result of results) {
      if (result.id === 'throughput/reference') {
        expect(result.summary.raw?.median, result.id).toBeGreaterThan(0)
        continue
      }
      if (result.case === 'playground') {
        // weft only: /perf and getFile between two playground hosts, and their ratio
        expect(result.summary.weft?.median, result.id).toBeGreaterThan(0)
        expect(result.summary.js, result.id).toBeUndefined()
        continue
      }
      expect(Number.isFinite(result.summary.weft?.median), `${result.id} weft`).toBe(true)
      expect(Number.isFinite(result.summary.js?.median), `${result.id} js-libp2p`).toBe(true)
      expect(Number.isFinite(result.ratio), `${result.id} ratio`).toBe(true)
    }
  })

  it('measures QUIC and TCP + TLS beside TCP + Noise (the transports case)', () => {
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      info: { transports?: { summaries: Record<string, { median: number }> } }
    }
    const summaries = json.info.transports?.summaries ?? {}
    for (const name of [
      'weft/tcp-noise/upload',
      'weft/tcp-tls/download',
      'weft/quic/upload',
      'weft/quic/round-trips',
      'weft/quic/dialer-heap',
      'js/quic/download',
      'js/quic/round-trips',
    ]) {
      expect(summaries[name]?.median, name).toBeGreaterThan(0)
    }
    expect(readFileSync(join(out, 'RESULTS.md'), 'utf8')).toContain('## Transports: QUIC and TCP + TLS')
  })

  it('writes the report and the chart', () => {
    const report = readFileSync(join(out, 'RESULTS.md'), 'utf8')
    expect(report).toContain('| Figure |')
    expect(report).toContain('dist/src/run.js --smoke')
    expect(report).toContain('Node')
    const svg = readFileSync(join(out, 'results.svg'), 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg).toContain('</svg>')
    expect(svg).toContain('<rect')
  })
})
