/**
 * `/perf/1.0.0` figures per client → server pair of stacks: weft and
 * js-libp2p against themselves (from the throughput case, yamux) and the
 * go-libp2p and rust-libp2p anchors against themselves and against weft
 * (the anchors case). Pure: samples in, summaries and a markdown table out.
 */
import { type Summary, summarize, summaryCell } from './stats.js'

export type PerfStack = 'weft' | 'js' | 'go' | 'rust'

export const STACK_NAMES: Record<PerfStack, string> = {
  weft: 'weft',
  js: 'js-libp2p',
  go: 'go-libp2p',
  rust: 'rust-libp2p',
}

/** Every pair the report shows, in its order: each stack against itself, then the anchors with weft. */
export const PERF_PAIRS: ReadonlyArray<readonly [client: PerfStack, server: PerfStack]> = [
  ['weft', 'weft'],
  ['js', 'js'],
  ['go', 'go'],
  ['rust', 'rust'],
  ['weft', 'go'],
  ['go', 'weft'],
  ['weft', 'rust'],
  ['rust', 'weft'],
]

/** One exchange of one repetition, as the client measured it. */
export interface PerfSample {
  /** MB/s (10⁶ bytes) from opening the upload stream to the end of its exchange */
  uploadMBps: number
  /** MB/s from opening the download stream to the end of its exchange */
  downloadMBps: number
  /** ms of the client's first dial: TCP + Noise + yamux, in a fresh process */
  connectMs: number
}

export interface PairResult {
  client: PerfStack
  server: PerfStack
  upload?: Summary
  download?: Summary
  connect?: Summary
}

export class PerfPairs {
  private readonly samples = new Map<string, { upload: number[]; download: number[]; connect: number[] }>()

  add(client: PerfStack, server: PerfStack, sample: PerfSample): void {
    for (const value of [sample.uploadMBps, sample.downloadMBps, sample.connectMs]) {
      if (!Number.isFinite(value) || value <= 0)
        throw new RangeError(`perf ${client} → ${server} got ${value}, expected a positive number`)
    }
    const key = `${client}>${server}`
    const record = this.samples.get(key) ?? { upload: [], download: [], connect: [] }
    record.upload.push(sample.uploadMBps)
    record.download.push(sample.downloadMBps)
    record.connect.push(sample.connectMs)
    this.samples.set(key, record)
  }

  /** Every pair of `PERF_PAIRS`, with summaries where samples were taken. */
  evaluate(): PairResult[] {
    return PERF_PAIRS.map(([client, server]) => {
      const record = this.samples.get(`${client}>${server}`)
      const result: PairResult = { client, server }
      if (record == null) return result
      const upload = summarize(record.upload)
      const download = summarize(record.download)
      const connect = summarize(record.connect)
      if (upload != null) result.upload = upload
      if (download != null) result.download = download
      if (connect != null) result.connect = connect
      return result
    })
  }
}

/** The side-by-side table; a pair with no figures says why (not run, or failed). */
export function perfPairsTable(
  results: readonly PairResult[],
  notRun: ReadonlyMap<PerfStack, string>,
): string {
  const rows = [
    '| Client → server | Upload MB/s | Download MB/s | Connection set-up ms |',
    '|---|---|---|---|',
  ]
  for (const result of results) {
    const name = `${STACK_NAMES[result.client]} → ${STACK_NAMES[result.server]}`
    const missing = notRun.get(result.client) ?? notRun.get(result.server)
    if (result.upload == null && missing != null) {
      rows.push(`| ${name} | not run: ${missing} | | |`)
      continue
    }
    rows.push(
      `| ${name} | ${summaryCell(result.upload)} | ${summaryCell(result.download)} | ${summaryCell(result.connect)} |`,
    )
  }
  return rows.join('\n')
}

/** What the run records of the pairs (RESULTS.md and results.json). */
export interface PerfPairsInfo {
  results: PairResult[]
  /** anchors left out, and why (no toolchain, failed build) */
  notRun: Partial<Record<PerfStack, string>>
  /** versions of the anchors' libp2p modules (go.mod, Cargo.lock) and toolchains */
  versions: Record<string, string>
}

function notRunMap(info: PerfPairsInfo): Map<PerfStack, string> {
  return new Map(Object.entries(info.notRun) as Array<[PerfStack, string]>)
}

export function consolePairs(info: PerfPairsInfo): string {
  return perfPairsTable(info.results, notRunMap(info))
}

/** The report's section: every stack's /perf/1.0.0 figures side by side. */
export function perfPairsSection(info: PerfPairsInfo): string {
  const versions = Object.entries(info.versions)
    .map(([name, version]) => (version.startsWith(name) ? version : `${name} ${version}`))
    .join(', ')
  return `## Every stack's /perf/1.0.0 side by side: weft, js-libp2p, go-libp2p, rust-libp2p

${perfPairsTable(info.results, notRunMap(info))}

Each stack's own \`/perf/1.0.0\` client and server over TCP + Noise + yamux
on 127.0.0.1, in the same run and with the same byte counts as the
throughput case: one connection, then one stream uploads N bytes (asking
for 0 back) and a second one downloads N bytes, each timed from opening the
stream to the end of the exchange. weft → weft and js-libp2p → js-libp2p are
the throughput case's yamux figures. go-libp2p and rust-libp2p run their
own perf programs (\`go-peer perf\`, \`interop/go-peer/perf.go\`;
\`rust-peer perf\`, \`interop/rust-peer/src/perf.rs\`, over libp2p-stream:
rust-libp2p's \`libp2p-perf\` 0.3.0 needs an older libp2p-swarm), built into
the interop cache by \`interop/runner/peers.mjs\`, against themselves and
against weft both ways. Connection set-up is the client's first dial in a
fresh process (TCP connect, Noise XX, yamux), so it includes each runtime's
first-use costs. Anchors: ${versions || 'none built'}.
`
}
