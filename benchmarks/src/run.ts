/**
 * `pnpm bench [--smoke] [--reps N] [--bytes N] [--only case,…] [--out DIR] [--cpu-prof DIR]`
 *
 * Runs every case for weft and js-libp2p, alternating them, each
 * repetition in fresh processes; prints the table and writes RESULTS.md,
 * results.json and results.svg (into benchmarks/ for a full run; into a
 * temporary folder for --smoke unless --out is given).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runAnchors } from './anchors-case.js'
import { runCase } from './cases.js'
import { renderChart } from './chart.js'
import { parseArgs } from './config.js'
import { metricDefs, Results } from './metrics.js'
import { consolePairs, PerfPairs, STACK_NAMES } from './perf-pairs.js'
import { runPlayground } from './playground-case.js'
import { consoleTable, markdownReport, type RunInfo } from './report.js'
import { ANCHORS, type Anchor, prepareAnchor } from './stacks/anchors.js'
import type { Stack } from './stacks/node.js'
import { runTransports } from './transports-case.js'
import { TransportResults, transportsTable } from './transports-report.js'

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url))

function packageVersion(name: string): string {
  // the transports case's js-libp2p modules may resolve from interop/js-libp2p only (see stacks/transport-modules.ts)
  for (const dir of [BENCH_DIR, join(BENCH_DIR, '..', 'interop', 'js-libp2p')]) {
    try {
      const json = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string
      }
      return json.version
    } catch {}
  }
  return 'unknown'
}

/** The command as typed: `pnpm bench …` when run through the script, else the node invocation. */
function commandLine(argv: string[]): string {
  const args = argv.length > 0 ? ` ${argv.join(' ')}` : ''
  if (process.env.npm_lifecycle_event === 'bench') return `pnpm bench${args}`
  return `cd benchmarks && node ${process.execArgv.join(' ')} dist/src/run.js${args}`.replace(/\s+/g, ' ')
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const { config, outDir: outArg, cpuProfDir } = parseArgs(argv)
  const outDir = outArg ?? (config.mode === 'full' ? BENCH_DIR : join(tmpdir(), 'weft-bench-smoke'))
  mkdirSync(outDir, { recursive: true })
  if (cpuProfDir != null) mkdirSync(cpuProfDir, { recursive: true })
  const results = new Results(metricDefs(config.muxers))
  const log = (message: string) => process.stdout.write(`${message}\n`)
  const started = performance.now()
  const loadAtStart = loadavg()[0]!
  log(`weft benchmarks, ${config.mode} mode: ${config.reps} repetition(s) of ${config.cases.join(', ')}`)
  const anchors = config.cases.includes('anchors')
    ? await prepareAnchors(log, results.failures)
    : { binaries: new Map<Anchor, string>(), notRun: new Map<Anchor, string>(), versions: {} }
  const pairs = new PerfPairs()
  const transports = new TransportResults()
  const ctx = { config, results, pairs, anchors: anchors.binaries, cpuProfDir, log }
  for (let rep = 0; rep < config.reps; rep++) {
    const order: Stack[] = rep % 2 === 0 ? ['weft', 'js'] : ['js', 'weft']
    log(`repetition ${rep + 1}/${config.reps} (${order.join(' then ')})`)
    for (const name of config.cases) {
      if (name === 'anchors') await runAnchors(ctx, rep % 2 === 1)
      else if (name === 'playground') await runPlayground(ctx)
      else if (name === 'transports') await runTransports(ctx, transports, rep % 2 === 1)
      else await runCase(name, order, ctx)
    }
  }
  const evaluated = results.evaluate()
  const cpu = cpus()
  const info: RunInfo = {
    date: new Date().toISOString(),
    cpu: cpu[0]?.model.trim() ?? 'unknown CPU',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: `${platform()} ${release()}`,
    node: process.version,
    command: commandLine(argv),
    versions: Object.fromEntries(
      [
        'libp2p',
        '@chainsafe/libp2p-noise',
        '@chainsafe/libp2p-yamux',
        '@libp2p/mplex',
        '@libp2p/tcp',
        '@libp2p/ping',
        '@libp2p/identify',
        '@chainsafe/libp2p-quic',
        '@libp2p/tls',
      ].map((name) => [name, packageVersion(name)]),
    ),
    durationSeconds: (performance.now() - started) / 1000,
    loadAverage: { start: loadAtStart, end: loadavg()[0]! },
    config,
    failures: results.failures,
    perfPairs: {
      results: pairs.evaluate(),
      notRun: Object.fromEntries(anchors.notRun),
      versions: anchors.versions,
    },
    transports: transports.size > 0 ? transports.evaluate(config.proxyDelayMs) : undefined,
  }
  const resultsFile = join(outDir, 'RESULTS.md')
  writeFileSync(resultsFile, markdownReport(evaluated, info))
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify({ info, results: evaluated }, null, 2)}\n`)
  writeFileSync(
    join(outDir, 'results.svg'),
    renderChart(
      evaluated,
      `${info.cpu}, ${info.cores} cores, Node ${info.node}; ${config.mode} run, ${config.reps} repetition(s)`,
    ),
  )
  log(`\n${consoleTable(evaluated)}`)
  if (info.transports != null) log(`\nTransports (same run):\n${transportsTable(info.transports)}`)
  if (config.cases.includes('throughput') || config.cases.includes('anchors'))
    log(`\n/perf/1.0.0 by client → server (yamux):\n${consolePairs(info.perfPairs!)}`)
  log(
    `\nwrote ${resultsFile}, results.json and results.svg in ${outDir} (${info.durationSeconds.toFixed(0)} s)`,
  )
  if (results.failures.length > 0) {
    log(`\n${results.failures.length} failure(s):\n${results.failures.join('\n')}`)
    process.exitCode = 1
  }
}

/** Builds the go and rust anchors (the interop cache); one that cannot be built is named and left out. */
async function prepareAnchors(log: (message: string) => void, failures: string[]) {
  const binaries = new Map<Anchor, string>()
  const notRun = new Map<Anchor, string>()
  const versions: Record<string, string> = {}
  for (const anchor of ANCHORS) {
    try {
      const prepared = await prepareAnchor(anchor, log)
      if ('notRun' in prepared) {
        notRun.set(anchor, prepared.notRun)
        log(`anchor ${STACK_NAMES[anchor]} not run: ${prepared.notRun}`)
        continue
      }
      binaries.set(anchor, prepared.binary)
      Object.assign(versions, prepared.versions)
      log(
        `anchor ${STACK_NAMES[anchor]}: ${prepared.binary} (ready in ${prepared.buildSeconds.toFixed(1)} s)`,
      )
    } catch (err) {
      const message = `anchors: building ${anchor} failed: ${(err as Error).message}`
      notRun.set(anchor, 'its build failed (see Failures)')
      failures.push(message)
      log(`  FAILED ${message}`)
    }
  }
  return { binaries, notRun, versions }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`)
  process.exit(1)
})
