/**
 * The `transports` case's figures: weft over TCP + Noise, TCP + TLS and
 * QUIC, and js-libp2p over QUIC (`@chainsafe/libp2p-quic`) and TCP + TLS,
 * measured in the same run, with the targets for QUIC and TLS.
 * Pure: samples in, summaries and a markdown section out.
 */
import type { Stack, TransportName } from './stacks/node.js'
import { formatFigure, type Summary, summarize, summaryCell } from './stats.js'

export interface TransportEntry {
  stack: Stack
  transport: TransportName
}

/** Every stack × transport the case measures, in the report's column order. */
export const TRANSPORT_ENTRIES: readonly TransportEntry[] = [
  { stack: 'weft', transport: 'tcp-noise' },
  { stack: 'weft', transport: 'tcp-tls' },
  { stack: 'weft', transport: 'quic' },
  { stack: 'js', transport: 'quic' },
  { stack: 'js', transport: 'tcp-tls' },
]

export const TRANSPORT_METRICS = [
  { id: 'upload', label: 'Throughput, upload (MB/s)' },
  { id: 'download', label: 'Throughput, download (MB/s)' },
  { id: 'setup', label: 'Set-up: dial, stream, 1-byte echo, direct (median ms)' },
  { id: 'round-trips', label: 'Set-up through the delay proxy (median, RTT)' },
  { id: 'dialer-heap', label: 'Memory per idle connection, dialer heap (KiB)' },
  { id: 'dialer-rss', label: 'Memory per idle connection, dialer RSS (KiB)' },
  { id: 'listener-heap', label: 'Memory per idle connection, listener heap (KiB)' },
  { id: 'listener-rss', label: 'Memory per idle connection, listener RSS (KiB)' },
] as const
export type TransportMetric = (typeof TRANSPORT_METRICS)[number]['id']

const NAMES: Record<TransportName, string> = {
  'tcp-noise': 'TCP + Noise',
  'tcp-tls': 'TCP + TLS',
  quic: 'QUIC',
}

export function entryName(entry: TransportEntry): string {
  return `${entry.stack === 'weft' ? 'weft' : 'js-libp2p'} ${NAMES[entry.transport]}`
}

const key = (entry: TransportEntry, metric: TransportMetric) => `${entry.stack}/${entry.transport}/${metric}`

export interface TransportTarget {
  label: string
  value?: number
  met?: boolean
}

export interface TransportsInfo {
  /** summary per `stack/transport/metric` */
  summaries: Record<string, Summary>
  targets: TransportTarget[]
  /** one-way delay of the proxies */
  proxyDelayMs: number
}

export class TransportResults {
  private readonly samples = new Map<string, number[]>()

  add(entry: TransportEntry, metric: TransportMetric, value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`${key(entry, metric)} got ${value}`)
    const list = this.samples.get(key(entry, metric)) ?? []
    list.push(value)
    this.samples.set(key(entry, metric), list)
  }

  get size(): number {
    return this.samples.size
  }

  evaluate(proxyDelayMs: number): TransportsInfo {
    const summaries: Record<string, Summary> = {}
    for (const [name, values] of this.samples) {
      const summary = summarize(values)
      if (summary != null) summaries[name] = summary
    }
    const median = (entry: TransportEntry, metric: TransportMetric) => summaries[key(entry, metric)]?.median
    const weftQuic = { stack: 'weft', transport: 'quic' } as const
    const jsQuic = { stack: 'js', transport: 'quic' } as const
    const weftNoise = { stack: 'weft', transport: 'tcp-noise' } as const
    const weftTls = { stack: 'weft', transport: 'tcp-tls' } as const
    const ratio = (label: string, a?: number, b?: number, at = 1): TransportTarget => {
      if (a == null || b == null || b === 0) return { label }
      return { label, value: a / b, met: a / b >= at }
    }
    const rtt = median(weftQuic, 'round-trips')
    const targets: TransportTarget[] = [
      {
        label: 'weft QUIC set-up + 1-byte echo ≤ 2.1 RTT',
        value: rtt,
        met: rtt == null ? undefined : rtt <= 2.1,
      },
    ]
    for (const direction of ['upload', 'download'] as const) {
      targets.push(
        ratio(
          `weft QUIC / js-libp2p QUIC, ${direction} ≥ 1`,
          median(weftQuic, direction),
          median(jsQuic, direction),
        ),
        ratio(
          `weft QUIC / weft TCP + Noise, ${direction} ≥ 0.5`,
          median(weftQuic, direction),
          median(weftNoise, direction),
          0.5,
        ),
        ratio(
          `weft TCP + TLS / weft TCP + Noise, ${direction} ≥ 1`,
          median(weftTls, direction),
          median(weftNoise, direction),
        ),
      )
    }
    return { summaries, targets, proxyDelayMs }
  }
}

/** The figures, one column per stack × transport, then the targets. */
export function transportsTable(info: TransportsInfo): string {
  const rows = [
    `| Figure | ${TRANSPORT_ENTRIES.map(entryName).join(' | ')} |`,
    `|---|${TRANSPORT_ENTRIES.map(() => '---').join('|')}|`,
  ]
  for (const metric of TRANSPORT_METRICS) {
    const cells = TRANSPORT_ENTRIES.map((entry) => summaryCell(info.summaries[key(entry, metric.id)]))
    rows.push(`| ${metric.label} | ${cells.join(' | ')} |`)
  }
  rows.push('', '| Target | Value | Met |', '|---|---|---|')
  for (const target of info.targets) {
    const met = target.met == null ? '—' : target.met ? 'yes' : 'no'
    rows.push(`| ${target.label} | ${target.value == null ? '—' : formatFigure(target.value)} | ${met} |`)
  }
  return rows.join('\n')
}

/** The report's section. */
export function transportsSection(info: TransportsInfo): string {
  return `## Transports: QUIC and TCP + TLS beside TCP + Noise

${transportsTable(info)}

Every column in the same run, with /perf/1.0.0 (yamux on TCP, QUIC's own
streams on QUIC) and the same byte counts. Set-up is a fresh dial, a
stream and a 1-byte echo; through the delay proxy (${info.proxyDelayMs} ms
each way; a UDP proxy for QUIC, \`src/worker-udp-proxy.ts\`, the TCP proxy
otherwise, whose TCP handshake is not delayed) it is counted in round trips.
QUIC's floor is 2: the 1-RTT handshake, then the echo.

${QUIC_TIME}`
}

/** Where weft's QUIC throughput goes (profiles of 2026-12-07; see benchmarks/README.md to redo them). */
export const QUIC_TIME = `### Where weft's QUIC time goes

weft's QUIC pays per packet, and its packets carry at most 1,200 bytes
(\`MAX_DATAGRAM_SIZE\`, recovery/congestion.ts: no path MTU discovery yet),
so 256 MiB is about 230,000 packets each way. A CPU profile of a 32 MiB
upload with both hosts in one process (\`node --cpu-prof\`, then
\`profile-summary.js\`): the AEAD in node:crypto 28% (sealing 15%, opening
13%: a \`createCipheriv\`/\`createDecipheriv\` per packet, about 4 µs of it
before any byte is encrypted, since node:crypto cannot re-key a GCM context
with a new nonce), garbage collection 13%, \`dgram.send\` 5% (one system
call per datagram), the rest spread over framing, ACK processing and stream
delivery. Header protection stays in node:crypto (one ECB cipher per key,
reused): AES on one block in TypeScript would take 0.1 µs instead of about
2 µs, but a table-driven AES is not constant-time, so it is not used. The same upload costs 46–54 ms of
CPU per MB (both ends) at 1,200 bytes per datagram; with the datagram size
raised in a scratch build it costs 46 at 1,452, 31 at 4,096 and 22 at
16,384: the size of the datagram, hence path MTU discovery (RFC 9000
§14.3), is the largest lever left. During 2 × 64 MiB the kernel's UDP
OutDatagrams counter rose by 13,723 for js-libp2p's QUIC (quinn, in Rust)
and by 120,162 for weft's: quinn hands the kernel several packets per
system call (UDP GSO) and encrypts outside JavaScript.
`
