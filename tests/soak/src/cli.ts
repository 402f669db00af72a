/**
 * The long soak: `node tests/soak/dist/src/cli.js --minutes 30 [--out report.md]`
 * (build first with `tsc -b`). Prints a progress line each minute and the
 * report at the end; exits 1 when the soak finds a leak.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { formatReport, runSoak } from './soak.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    out: { type: 'string' },
    seed: { type: 'string' },
  },
})
const minutes = Number(values.minutes)
if (!(minutes > 0 && minutes <= 24 * 60)) {
  console.error('--minutes must be a number of minutes, at most a day')
  process.exit(2)
}
console.log(`soak: ${minutes} min of churn on 127.0.0.1`)
const report = await runSoak({
  durationMs: minutes * 60_000,
  seed: values.seed == null ? undefined : Number(values.seed),
  log: (line) => console.log(line),
})
const text = formatReport(report)
console.log(text)
for (const trace of [...report.rejections, ...report.exceptions]) console.log(trace)
if (values.out != null) writeFileSync(values.out, text)
process.exit(report.passed ? 0 : 1)
