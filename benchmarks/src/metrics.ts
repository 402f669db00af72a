/** The figures the benchmarks report, their targets, and the samples collected for them. */
import type { CaseName } from './config.js'
import type { Stack } from './stacks/node.js'
import { type Summary, summarize } from './stats.js'

export type Series = Stack | 'raw'

export interface MetricDef {
  id: string
  case: CaseName
  label: string
  unit: string
  better: 'higher' | 'lower'
  /** the weft / js-libp2p ratio the issue asks for */
  ratioTarget?: number
  /** an absolute target on weft's median */
  absoluteTarget?: number
  absoluteNote?: string
  /** compared with the reference series (a fraction of it, higher is better) */
  referenceTarget?: number
}

export function metricDefs(muxers: readonly string[]): MetricDef[] {
  const defs: MetricDef[] = []
  for (const muxer of muxers) {
    for (const direction of ['upload', 'download']) {
      defs.push({
        id: `throughput/${muxer}/${direction}`,
        case: 'throughput',
        label: `Throughput, TCP + Noise + ${muxer}, ${direction}`,
        unit: 'MB/s',
        better: 'higher',
        ratioTarget: 2,
        referenceTarget: 0.6,
      })
    }
  }
  defs.push(
    {
      id: 'throughput/reference',
      case: 'throughput',
      label: 'Reference: TCP + ChaCha20-Poly1305, 64 KiB frames',
      unit: 'MB/s',
      better: 'higher',
    },
    {
      id: 'setup/median',
      case: 'setup',
      label: 'Set-up: dial, upgrade, stream, 1-byte echo (median)',
      unit: 'ms',
      better: 'lower',
      ratioTarget: 0.5,
    },
    {
      id: 'setup/p95',
      case: 'setup',
      label: 'Set-up: dial, upgrade, stream, 1-byte echo (p95)',
      unit: 'ms',
      better: 'lower',
    },
    {
      id: 'setup/round-trips',
      case: 'setup',
      label: 'Set-up through the delay proxy (median), round trips',
      unit: 'RTT',
      better: 'lower',
      // the target; the floor here is ≈ 2.116 (proxy 2.096 + handshake crypto), see report.ts
      absoluteTarget: 2.1,
      absoluteNote: '≤ 2.1 (+1 TCP handshake ≤ 3.1)',
    },
    {
      id: 'streams/rate',
      case: 'streams',
      label: 'Streams per second on one connection (open, 1-byte echo, close)',
      unit: 'streams/s',
      better: 'higher',
      ratioTarget: 3,
    },
    {
      id: 'memory/dialer-rss',
      case: 'memory',
      label: 'Memory per idle connection, dialer RSS',
      unit: 'KiB',
      better: 'lower',
      ratioTarget: 0.5,
    },
    {
      id: 'memory/dialer-heap',
      case: 'memory',
      label: 'Memory per idle connection, dialer heap',
      unit: 'KiB',
      better: 'lower',
      ratioTarget: 0.5,
    },
    {
      id: 'memory/listener-rss',
      case: 'memory',
      label: 'Memory per idle connection, listener RSS',
      unit: 'KiB',
      better: 'lower',
      ratioTarget: 0.5,
    },
    {
      id: 'memory/listener-heap',
      case: 'memory',
      label: 'Memory per idle connection, listener heap',
      unit: 'KiB',
      better: 'lower',
      ratioTarget: 0.5,
    },
    {
      id: 'cold-start',
      case: 'cold-start',
      label: 'Cold start: import, create, start, stop (spawn to exit)',
      unit: 'ms',
      better: 'lower',
      ratioTarget: 0.33,
    },
    { id: 'ping/rtt', case: 'ping', label: 'Ping round trip (median)', unit: 'ms', better: 'lower' },
    {
      id: 'playground/perf',
      case: 'playground',
      label: 'Playground: /perf/1.0.0 download between two playground hosts',
      unit: 'MB/s',
      better: 'higher',
    },
    {
      id: 'playground/get-file',
      case: 'playground',
      label: 'Playground: getFile from one source, same connection',
      unit: 'MB/s',
      better: 'higher',
    },
    {
      id: 'playground/ratio',
      case: 'playground',
      label: 'Playground: getFile / /perf on the same connection',
      unit: 'fraction',
      better: 'higher',
      absoluteTarget: 0.8,
      absoluteNote: '≥ 0.8 of /perf',
    },
  )
  return defs
}

export interface MetricResult extends MetricDef {
  summary: Partial<Record<Series, Summary>>
  /** weft median / js-libp2p median */
  ratio?: number
  /** weft median / reference median */
  ofReference?: number
  /** true when every target set for this figure is met */
  met?: boolean
}

export class Results {
  private readonly samples = new Map<string, Record<Series, number[]>>()
  readonly failures: string[] = []

  constructor(readonly defs: MetricDef[]) {
    for (const def of defs) this.samples.set(def.id, { weft: [], js: [], raw: [] })
  }

  add(id: string, series: Series, value: number): void {
    const record = this.samples.get(id)
    if (record == null) throw new Error(`unknown metric ${id}`)
    if (!Number.isFinite(value)) throw new Error(`metric ${id} got ${value}`)
    record[series].push(value)
  }

  values(id: string, series: Series): number[] {
    return this.samples.get(id)?.[series] ?? []
  }

  evaluate(referenceId = 'throughput/reference'): MetricResult[] {
    const reference = summarize(this.values(referenceId, 'raw'))
    return this.defs.map((def) => {
      const summary: MetricResult['summary'] = {}
      for (const series of ['weft', 'js', 'raw'] as const) {
        const value = summarize(this.values(def.id, series))
        if (value != null) summary[series] = value
      }
      const result: MetricResult = { ...def, summary }
      const weft = summary.weft?.median
      const js = summary.js?.median
      const checks: boolean[] = []
      if (weft != null && js != null && js !== 0) {
        result.ratio = weft / js
        if (def.ratioTarget != null) {
          checks.push(
            def.better === 'higher' ? result.ratio >= def.ratioTarget : result.ratio <= def.ratioTarget,
          )
        }
      }
      if (def.referenceTarget != null && weft != null && reference != null) {
        result.ofReference = weft / reference.median
        checks.push(result.ofReference >= def.referenceTarget)
      }
      if (def.absoluteTarget != null && weft != null) {
        checks.push(def.better === 'higher' ? weft >= def.absoluteTarget : weft <= def.absoluteTarget)
      }
      if (checks.length > 0) result.met = checks.every(Boolean)
      return result
    })
  }
}
