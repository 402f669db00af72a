#!/usr/bin/env node
/**
 * The long fuzz run: every property of tests/fuzz with FUZZ_RUNS runs
 * (default 1e6, or the first argument), then a table of executions and time
 * per property. Run from anywhere: `node tests/fuzz/long-run.mjs [runs]`.
 * Extra arguments after the run count go to vitest (a file filter, say
 * `test/quic.test.ts`). Exits non-zero when a property found something.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const [runsArgument = '1e6', ...filters] = process.argv.slice(2)
const runs = Number(runsArgument)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`expected a positive integer run count, got ${runsArgument}`)
  process.exit(2)
}

const scratch = mkdtempSync(join(tmpdir(), 'weft-fuzz-'))
const statsFile = join(scratch, 'stats.jsonl')
const targets = filters.length > 0 ? filters.map((filter) => join('tests/fuzz', filter)) : ['tests/fuzz']
const started = Date.now()
const vitest = spawnSync('npx', ['vitest', 'run', '--project', 'packages', ...targets], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_STATS: statsFile },
})

let rows = []
try {
  rows = readFileSync(statsFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))
} catch {
  // no property finished: vitest's own output says why
}
rmSync(scratch, { recursive: true, force: true })

rows.sort((a, b) => a.title.localeCompare(b.title))
const width = Math.max(8, ...rows.map((row) => row.title.length))
console.log(
  `\n${'property'.padEnd(width)}  ${'executions'.padStart(12)}  ${'seconds'.padStart(9)}  ${'per s'.padStart(9)}  result`,
)
for (const row of rows) {
  const seconds = row.ms / 1000
  const rate = seconds > 0 ? Math.round(row.executions / seconds) : row.executions
  console.log(
    `${row.title.padEnd(width)}  ${String(row.executions).padStart(12)}  ${seconds.toFixed(1).padStart(9)}  ${String(rate).padStart(9)}  ${row.passed ? 'ok' : 'FOUND'}`,
  )
}
const total = rows.reduce((sum, row) => sum + row.executions, 0)
console.log(
  `\n${rows.length} properties, ${total} executions, FUZZ_RUNS=${runs}, ${((Date.now() - started) / 1000).toFixed(0)} s wall`,
)
process.exit(vitest.status ?? 1)
