/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, after
 * vitest's own summary, so CI logs carry a count that any reader can parse.
 * Before it, one line per test file whose suites were not run for want of a
 * system tool (their titles say `(not run: needs …)`, see @weft/testkit's
 * `notRunReason`), so nothing is skipped without a word.
 */
import { relative } from 'node:path'
import type { Reporter, TestModule } from 'vitest/node'

const NOT_RUN = /\(not run: ([^)]*)\)/

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    const notRun = new Map<string, { reason: string; tests: number }>()
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
        else {
          skipped++
          const reason = NOT_RUN.exec(test.fullName)?.[1]
          if (reason != null) {
            const file = relative(process.cwd(), module.moduleId)
            const entry = notRun.get(file) ?? { reason, tests: 0 }
            entry.tests++
            notRun.set(file, entry)
          }
        }
      }
      if (module.state() === 'failed' && module.children.size === 0) failed++
    }
    if (notRun.size > 0) process.stdout.write('\n')
    for (const [file, { reason, tests }] of notRun) {
      process.stdout.write(`not run: ${file} (${tests} test${tests === 1 ? '' : 's'}): ${reason}\n`)
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
