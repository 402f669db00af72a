/** The benchmark report: a console table, RESULTS.md and results.json. */

import type { BenchConfig } from './config.js'
import type { MetricResult } from './metrics.js'
import { type PerfPairsInfo, perfPairsSection } from './perf-pairs.js'
import { WHERE_THE_TIME_GOES } from './report-notes.js'
import type { Summary } from './stats.js'
import { type TransportsInfo, transportsSection } from './transports-report.js'

export interface RunInfo {
  date: string
  cpu: string
  cores: number
  memoryGiB: number
  os: string
  node: string
  command: string
  versions: Record<string, string>
  durationSeconds: number
  /** 1-minute load averages when the run started and ended (other work on the machine skews figures) */
  loadAverage: { start: number; end: number }
  config: BenchConfig
  failures: string[]
  /** /perf/1.0.0 per client → server pair, go-libp2p and rust-libp2p included (absent in older results) */
  perfPairs?: PerfPairsInfo
  /** the transports case: QUIC and TCP + TLS beside TCP + Noise (absent when not run) */
  transports?: TransportsInfo
}

function num(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1000) return value.toFixed(0)
  if (abs >= 100) return value.toFixed(1)
  if (abs >= 10) return value.toFixed(2)
  return value.toFixed(3)
}

function cell(summary?: Summary): string {
  if (summary == null) return '—'
  if (summary.n === 1) return num(summary.median)
  return `${num(summary.median)} (${num(summary.min)}–${num(summary.max)})`
}

function target(result: MetricResult): string {
  const parts: string[] = []
  if (result.ratioTarget != null)
    parts.push(`${result.better === 'higher' ? '≥' : '≤'} ${result.ratioTarget}× js`)
  if (result.referenceTarget != null) parts.push(`≥ ${result.referenceTarget * 100}% of reference`)
  if (result.absoluteTarget != null) parts.push(result.absoluteNote ?? `≤ ${result.absoluteTarget}`)
  return parts.join(', ')
}

function ratio(result: MetricResult): string {
  const parts: string[] = []
  if (result.ratio != null) parts.push(`${result.ratio.toFixed(2)}×`)
  if (result.ofReference != null) parts.push(`${(result.ofReference * 100).toFixed(0)}% of ref.`)
  return parts.join(', ') || '—'
}

function met(result: MetricResult): string {
  if (result.met == null) return ''
  return result.met ? 'yes' : '**no**'
}

export function markdownTable(results: MetricResult[]): string {
  const rows = [
    '| Figure | Unit | weft median (min–max) | js-libp2p median (min–max) | weft / js-libp2p | Target | Met |',
    '|---|---|---|---|---|---|---|',
  ]
  for (const result of results) {
    const weft = result.id === 'throughput/reference' ? cell(result.summary.raw) : cell(result.summary.weft)
    const js = result.id === 'throughput/reference' ? '(same for both)' : cell(result.summary.js)
    rows.push(
      `| ${result.label} | ${result.unit} | ${weft} | ${js} | ${ratio(result)} | ${target(result)} | ${met(result)} |`,
    )
  }
  return rows.join('\n')
}

export function consoleTable(results: MetricResult[]): string {
  const lines: string[] = []
  for (const result of results) {
    const weft = result.id === 'throughput/reference' ? cell(result.summary.raw) : cell(result.summary.weft)
    const js = result.id === 'throughput/reference' ? '' : `  js-libp2p ${cell(result.summary.js)}`
    const verdict = result.met == null ? '' : result.met ? '  [target met]' : '  [target MISSED]'
    lines.push(`${result.label} [${result.unit}]\n    weft ${weft}${js}  ratio ${ratio(result)}${verdict}`)
  }
  return lines.join('\n')
}

export function describeConfig(config: BenchConfig): string {
  const gib = config.throughputBytes / 1024 ** 3
  const size = gib >= 1 ? `${gib} GiB` : `${config.throughputBytes / 1024 ** 2} MiB`
  return [
    `${config.mode} mode, ${config.reps} repetition(s), stacks alternating (weft first on odd repetitions)`,
    `throughput: ${size} upload and ${size} download on one stream (${config.muxers.join(', ')})`,
    `set-up: ${config.setupDials} dials (+${config.setupWarmup} warm-up) direct, ${config.proxiedDials} through a ${config.proxyDelayMs} ms-each-way delay proxy`,
    `streams: ${config.streams} sequential streams (+${config.streamsWarmup} warm-up)`,
    `memory: ${config.memoryConnections} idle connections`,
    `cold start: ${config.coldStarts} per stack per repetition`,
    `ping: ${config.pings} pings (+${config.pingWarmup} warm-up)`,
    ...(config.cases.includes('playground')
      ? [
          `playground: getFile of ${config.playgroundBytes / 1024 ** 2} MiB from one source against /perf downloads of as many bytes on the same connection`,
        ]
      : []),
    ...(config.cases.includes('anchors')
      ? [
          'anchors: go-libp2p and rust-libp2p /perf/1.0.0, each against itself and weft, same sizes as throughput',
        ]
      : []),
    ...(config.cases.includes('transports')
      ? [
          `transports: ${config.transportBytes / 1024 ** 2} MiB each way, ${Math.ceil(config.setupDials / 4)} + ${config.proxiedDials} proxied dials, ${config.transportMemoryConnections} idle connections, per stack × transport`,
        ]
      : []),
  ].join('; ')
}

export function markdownReport(results: MetricResult[], info: RunInfo, notes = WHERE_THE_TIME_GOES): string {
  const versions = Object.entries(info.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  const anyPairs =
    info.perfPairs != null &&
    (info.perfPairs.results.some((pair) => pair.upload != null) ||
      Object.keys(info.perfPairs.notRun).length > 0)
  const pairs = anyPairs ? `\n${perfPairsSection(info.perfPairs!)}` : ''
  const transports = info.transports != null ? `\n${transportsSection(info.transports)}` : ''
  const failures =
    info.failures.length === 0
      ? ''
      : `\n## Failures\n\n${info.failures.map((failure) => `- ${failure}`).join('\n')}\n`
  return `# Benchmarks: weft against js-libp2p 3.x

Generated by \`benchmarks/src/run.ts\` on ${info.date} in ${info.durationSeconds.toFixed(0)} s.

- **Command:** \`${info.command}\`
- **Machine:** ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, ${info.os}
- **Node:** ${info.node}
- **Load average (1 min) at start / end:** ${info.loadAverage.start.toFixed(2)} / ${info.loadAverage.end.toFixed(2)} on ${info.cores} cores
- **js-libp2p side:** ${versions}
- **Parameters:** ${describeConfig(info.config)}

Each figure is the median over repetitions (min–max in brackets) of one
number per repetition; every repetition runs the listener and the dialer in
two separate Node processes on 127.0.0.1. Ratios are weft's median over
js-libp2p's median; for throughput also over the reference, a plain TCP
socket pair sealing 64 KiB frames with node:crypto ChaCha20-Poly1305 (the
cost of the encryption alone). MB = 10⁶ bytes.

## Results

${markdownTable(results)}

![throughput and set-up, weft against js-libp2p](results.svg)
${pairs}${transports}${failures}
## Method

- **Throughput:** the dialer opens one connection (TCP + Noise + the muxer),
  then one \`/perf/1.0.0\` stream uploads N bytes (the server asks for 0 back)
  and a second one downloads N bytes. Time runs from opening the stream to
  the end of the exchange. weft uses \`@weft/perf\`; js-libp2p uses a
  \`/perf/1.0.0\` handler and client in \`benchmarks/src/protocols.ts\` that
  follow \`@libp2p/perf\` (64 KiB writes, \`for await\` reads), since that npm
  package cannot be installed here. js-libp2p runs with its connection
  monitor disabled: its heartbeat ping queues behind the bulk data on mplex
  (which has no flow control), times out after a few seconds and aborts the
  connection mid-transfer. weft has no connection monitor.
- **Set-up:** a fresh dial (\`force: true\`), Noise handshake, muxer, a new
  stream with multistream-select, a 1-byte echo; the connection is then
  closed outside the timed part. Both stacks are asked to open the echo
  stream optimistically (\`newStream(protocol, { negotiateFully: false })\`,
  \`ECHO_STREAM_OPTIONS\` in \`src/protocols.ts\`): the protocol proposal
  travels with the first byte instead of waiting a round trip for the
  listener's answer. weft honours it; js-libp2p 3.3.11
  (@libp2p/multistream-select 7.0.28) ignores the option and still waits
  for the answer, so its figures are those of full negotiation. Median and 95th percentile of each
  repetition's dials. Through the delay proxy (a TCP proxy adding the given
  delay to every chunk, in each direction, order preserved), the median is
  divided by the round trip (2 × delay). The proxy cannot delay the TCP
  handshake, which the kernel completes at once on loopback: on a real path
  add one round trip (the floor for TCP + Noise XX with the echo is 3).
- **Streams per second:** one connection; streams opened one after the
  other, each: open (optimistically, as in set-up), send 1 byte, close the
  write side, read the echo to the end.
- **Memory per idle connection:** the dialer opens the connections to one
  listener one after the other (both stacks fold concurrent dials to one
  peer into a single connection, even with \`force\`), checks that both
  sides hold that many distinct connections, waits one second, runs \`global.gc()\` three times
  (\`--expose-gc\`) and reports the growth of RSS and V8 heap divided by the
  connection count; the listener does the same from its start-up baseline.
- **Cold start:** \`node <script>\` that imports, creates and starts a host
  with TCP, Noise, yamux, identify and ping listening on 127.0.0.1, then
  stops it; timed from spawn to exit. js-libp2p runs with
  \`--import interop/polyfill.mjs\` (\`Promise.withResolvers\` on Node 20).
- **Ping:** the median round trip of the \`/ipfs/ping/1.0.0\` service over
  one open connection, timed by the caller.
- **Playground (weft only):** two \`@weft/playground\` hosts in two
  processes (\`src/worker-playground.ts\`); the source shares a file of
  random bytes and serves \`/perf/1.0.0\` on the same host; the fetcher
  joins it and, over that one connection, times a \`/perf/1.0.0\` download
  of the file's size, \`getFile\` (every chunk checked against the id, written
  to disk), and the perf download again. The ratio is \`getFile\`'s rate over
  the mean of the two perf rates; the issue asks for ≥ 0.8.

${notes}
`
}
