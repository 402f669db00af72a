/** Lookup samples of the DHT scale benchmark and the table they make. */
import { quantile } from './stats.js'

export interface LookupSample {
  found: boolean
  rounds: number
  rpcs: number
  /** ms */
  latency: number
}

export interface ScenarioResult {
  stack: 'weft' | 'js-libp2p'
  size: number
  scenario: 'static' | 'churn 20%'
  lookups: number
  successRate: number
  roundsMedian?: number
  roundsP95?: number
  rpcsMean: number
  latencyP50: number
  latencyP95: number
  latencyP99: number
}

export function summarizeLookups(
  stack: ScenarioResult['stack'],
  size: number,
  scenario: ScenarioResult['scenario'],
  samples: LookupSample[],
  withRounds = true,
): ScenarioResult {
  if (samples.length === 0) throw new RangeError('no lookups')
  const rounds = samples.filter((s) => s.found).map((s) => s.rounds)
  const latencies = samples.map((s) => s.latency)
  return {
    stack,
    size,
    scenario,
    lookups: samples.length,
    successRate: samples.filter((s) => s.found).length / samples.length,
    roundsMedian: withRounds && rounds.length > 0 ? quantile(rounds, 0.5) : undefined,
    roundsP95: withRounds && rounds.length > 0 ? quantile(rounds, 0.95) : undefined,
    rpcsMean: samples.reduce((sum, s) => sum + s.rpcs, 0) / samples.length,
    latencyP50: quantile(latencies, 0.5),
    latencyP95: quantile(latencies, 0.95),
    latencyP99: quantile(latencies, 0.99),
  }
}

const fixed = (value: number | undefined, digits: number): string =>
  value == null ? 'n/a' : value.toFixed(digits)

export function resultsTable(results: ScenarioResult[]): string {
  const lines = [
    '| stack | size | scenario | lookups | success % | rounds p50 / p95 | RPCs per lookup | latency p50 / p95 / p99 (ms) |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    lines.push(
      `| ${r.stack} | ${r.size} | ${r.scenario} | ${r.lookups} | ${(r.successRate * 100).toFixed(1)} | ${fixed(r.roundsMedian, 1)} / ${fixed(r.roundsP95, 1)} | ${r.rpcsMean.toFixed(1)} | ${r.latencyP50.toFixed(1)} / ${r.latencyP95.toFixed(1)} / ${r.latencyP99.toFixed(1)} |`,
    )
  }
  return lines.join('\n')
}

/** A small seeded generator (mulberry32), so runs pick the same hosts. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Runs `count` lookups, `concurrency` at a time. */
export async function runLookups(
  count: number,
  concurrency: number,
  lookup: (index: number) => Promise<LookupSample>,
): Promise<LookupSample[]> {
  const samples: LookupSample[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) samples.push(await lookup(next++))
    }),
  )
  return samples
}
