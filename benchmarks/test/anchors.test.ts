/**
 * The go-libp2p and rust-libp2p anchors end to end, briefly: `pnpm bench
 * --smoke --only throughput,anchors` with 256 KiB each way builds both perf
 * peers into the interop cache (minutes when cold) and runs every pair of
 * the side-by-side table. Where a toolchain is missing, the run must say
 * which anchor was not run and still finish. No timing assertions.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PERF_PAIRS, type PerfPairsInfo, STACK_NAMES } from '../src/perf-pairs.js'
import { ANCHORS, missingToolchain } from '../src/stacks/anchors.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const POLYFILL = join(ROOT, 'interop/polyfill.mjs')
const BYTES = 256 * 1024

describe('pnpm bench --only throughput,anchors', () => {
  const out = mkdtempSync(join(tmpdir(), 'weft-bench-anchors-'))
  const missing = new Map(ANCHORS.map((anchor) => [anchor, missingToolchain(anchor)]))
  let pairs: PerfPairsInfo | undefined
  let stdout = ''

  beforeAll(async () => {
    // the harness forks the compiled workers: bring dist/ up to date first
    await run(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'benchmarks'], { cwd: ROOT, timeout: 240_000 })
    const child = await run(
      process.execPath,
      [
        '--import',
        POLYFILL,
        'dist/src/run.js',
        '--smoke',
        '--only',
        'throughput,anchors',
        '--bytes',
        String(BYTES),
        '--out',
        out,
      ],
      // a cold rust build takes 2–5 minutes on 2 cores, the go build about one
      { cwd: join(ROOT, 'benchmarks'), timeout: 840_000, maxBuffer: 16 * 1024 * 1024 },
    )
    stdout = child.stdout
    pairs = (
      JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { info: { perfPairs: PerfPairsInfo } }
    ).info.perfPairs
  }, 1_200_000)

  afterAll(() => {
    rmSync(out, { recursive: true, force: true })
  })

  it('measures every pair whose stacks could be built, and names the anchors it did not run', () => {
    expect(stdout).not.toContain('FAILED')
    expect(pairs!.results.map((pair) => [pair.client, pair.server])).toEqual(PERF_PAIRS)
    for (const pair of pairs!.results) {
      const name = `${pair.client} → ${pair.server}`
      const notRun = [pair.client, pair.server].find(
        (stack) => stack !== 'weft' && stack !== 'js' && missing.get(stack),
      )
      if (notRun != null) {
        expect(stdout, name).toContain(`anchor ${STACK_NAMES[notRun]} not run`)
        expect(pair.upload, name).toBeUndefined()
        continue
      }
      expect(pair.upload?.median, `${name} upload`).toBeGreaterThan(0)
      expect(pair.download?.median, `${name} download`).toBeGreaterThan(0)
      expect(pair.connect?.median, `${name} connection set-up`).toBeGreaterThan(0)
    }
  })

  it('writes the side-by-side table into the report', () => {
    const report = readFileSync(join(out, 'RESULTS.md'), 'utf8')
    expect(report).toContain("## Every stack's /perf/1.0.0 side by side")
    expect(report).toContain('| Client → server | Upload MB/s | Download MB/s | Connection set-up ms |')
    for (const [client, server] of PERF_PAIRS)
      expect(report).toContain(`| ${STACK_NAMES[client]} → ${STACK_NAMES[server]} |`)
  })
})
