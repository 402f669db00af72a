#!/usr/bin/env node
/**
 * The interop matrix runner: builds the peers that need it, runs every
 * dialer/listener pair with weft on at least one side over every transport ×
 * security × muxer both support, in both directions, one case at a time on
 * loopback, and writes interop/RESULTS.md. Exit code 1 when a cell fails for a
 * reason not attributed to another stack (interop/runner/known-issues.mjs).
 *
 * ```sh
 * node interop/runner/run.mjs [--peers weft,go] [--transports tcp] [--securities tls] [--timeout 30] [--budget 780]
 *                             [--out interop/RESULTS.md] [--build-only] [--no-retry]
 *                             [--all-pairs]   (also pairs without weft, to tell whose bug a failure is)
 * ```
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BEGIN, END, withSection } from '../go-libp2p/render-results.mjs'
import { runCase } from './case.mjs'
import { knownIssue, notesFor } from './known-issues.mjs'
import { cellName, cells } from './matrix.mjs'
import { buildTimes, CACHE, ensureBuilt, exec, PEERS, ROOT } from './peers.mjs'
import { renderResults } from './report.mjs'

const { values: options } = parseArgs({
  options: {
    peers: { type: 'string' },
    transports: { type: 'string' },
    securities: { type: 'string' },
    timeout: { type: 'string', default: '30' },
    budget: { type: 'string', default: '780' },
    out: { type: 'string', default: join(ROOT, 'interop', 'RESULTS.md') },
    'build-only': { type: 'boolean', default: false },
    'no-retry': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'all-pairs': { type: 'boolean', default: false },
  },
})

const say = (line) => process.stdout.write(`${line}\n`)
const started = performance.now()
const selected = options.peers?.split(',') ?? Object.keys(PEERS)
for (const name of selected) {
  if (PEERS[name] == null)
    throw new TypeError(`--peers: unknown peer ${name}; known: ${Object.keys(PEERS).join(', ')}`)
}
if (!selected.includes('weft')) selected.unshift('weft')
const timeoutMs = Number(options.timeout) * 1000
if (!(timeoutMs > 0)) throw new TypeError(`--timeout: expected seconds > 0, got ${options.timeout}`)
// the matrix (builds aside) stays under 15 minutes: cells not started within the budget fail as not run
const budgetMs = Number(options.budget) * 1000
if (!(budgetMs > 0)) throw new TypeError(`--budget: expected seconds > 0, got ${options.budget}`)
/** Second attempts are for flakes; past a few failures the cause is not flakiness. */
const MAX_RETRIES = 4
let retries = 0

say(`== interop: peers ${selected.join(', ')}; cache ${CACHE}`)
const builds = {}
for (const name of selected) {
  say(`== build ${name}`)
  const log = options.verbose ? (line) => say(`   ${name}: ${line}`) : () => {}
  const outcome = await ensureBuilt(name, log)
  builds[name] = outcome
  say(
    outcome.built
      ? `   built in ${outcome.seconds.toFixed(1)} s${outcome.cold ? ' (cold)' : ''}`
      : '   up to date',
  )
}
if (options['build-only']) process.exit(0)

const versions = {}
for (const name of selected) versions[name] = await PEERS[name].versions()

const capabilities = Object.fromEntries(selected.map((name) => [name, PEERS[name]]))
const transports = options.transports?.split(',')
const securities = options.securities?.split(',')
const matrix = cells(capabilities, { transports, securities, focus: options['all-pairs'] ? null : 'weft' })
say(`== ${matrix.length} cells, ${timeoutMs / 1000} s timeout each`)

const results = []
const matrixStarted = performance.now()
for (const cell of matrix) {
  const left = budgetMs - (performance.now() - matrixStarted)
  if (left < timeoutMs) {
    const problems = [`not run: the run's ${budgetMs / 1000} s budget ran out`]
    results.push({ cell, ok: false, seconds: 0, problems, dialerStderr: [], listenerStderr: [] })
    say(`${cellName(cell).padEnd(48)} FAIL  ${problems[0]}`)
    continue
  }
  let result = await runCase(cell, { timeoutMs })
  if (!result.ok && !options['no-retry'] && retries < MAX_RETRIES && left >= 2 * timeoutMs) {
    retries++
    // a second attempt tells a flaky cell from a broken one; both are reported
    const second = await runCase(cell, { timeoutMs })
    if (second.ok) result = { ...second, flaky: result }
    else result = second
  }
  const issue = knownIssue(cell)
  if (issue != null) {
    if (result.ok) result.staleIssue = issue
    else result.knownIssue = issue
  }
  const notes = notesFor(result)
  if (notes.length > 0) result.notes = notes
  results.push(result)
  const status = result.ok
    ? `pass  ${result.handshakePlusOneRTTMillis} ms / ${result.pingRTTMilllis} ms${result.flaky != null ? ' (flaky)' : ''}`
    : `FAIL  ${result.problems.join('; ')}`
  say(`${cellName(cell).padEnd(48)} ${status}`)
}

const times = buildTimes()
const buildInfo = Object.fromEntries(
  selected.map((name) => [name, { ...(times[name] ?? {}), thisRun: builds[name] }]),
)
const seconds = (performance.now() - started) / 1000
const cpu = cpus()
const markdown = renderResults({
  results,
  peers: selected,
  versions,
  builds: buildInfo,
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  machine: `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}`,
  seconds,
  command: 'pnpm interop',
})
// keep the protocol tables (interop/go-libp2p/render-results.mjs) that a matrix run does not make
const previous = existsSync(options.out) ? readFileSync(options.out, 'utf8') : ''
const begin = previous.indexOf(BEGIN)
const end = previous.indexOf(END)
writeFileSync(
  options.out,
  begin >= 0 && end > begin ? withSection(markdown, previous.slice(begin, end + END.length)) : markdown,
)
// RESULTS.md is in the repository, which `pnpm lint` checks: give it Biome's layout
await exec(join(ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', options.out]).catch((err) =>
  say(`   (RESULTS.md left unformatted: ${err.message.split('\n')[0]})`),
)

const unexplained = results.filter((r) => !r.ok && r.knownIssue == null)
const passed = results.filter((r) => r.ok).length
say(`interop: ${passed} passed, ${results.length - passed} failed`)
say(
  `== ${passed} passed, ${results.length - passed} failed (${unexplained.length} not attributed to another stack) in ${seconds.toFixed(0)} s; wrote ${options.out}`,
)
process.exit(unexplained.length === 0 ? 0 : 1)
