/**
 * Runs the churn scenario for a while, sampling the process every few
 * seconds, then stops every host and checks what is left. The verdict:
 * no unhandled rejection or uncaught exception; heap (after a collection),
 * RSS and descriptors flat after the warm-up (least-squares slopes under
 * their limits); after the stop, no more descriptors, sockets or timers than
 * before the start; and every kind of operation succeeded at least once.
 */
import { randomFill } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { promisify } from 'node:util'
import {
  activeHandles,
  openDescriptors,
  type Sample,
  sample,
  slopePerMinute,
  watchFailures,
} from './probe.js'
import { type OperationCounts, type OperationKind, SoakNetwork } from './scenario.js'

export interface SoakLimits {
  /** heap after a collection, MB per minute after the warm-up (default 1.5) */
  heapSlope: number
  /** RSS, MB per minute after the warm-up (default 6) */
  rssSlope: number
  /** open descriptors per minute after the warm-up (default 3) */
  descriptorSlope: number
}

export interface SoakOptions {
  durationMs: number
  sampleEveryMs?: number
  /** the share of the run left out of the slopes (default 0.25) */
  warmup?: number
  stableHosts?: number
  churnHosts?: number
  /** ms between churn ticks (default 1 000) */
  tickMs?: number
  seed?: number
  limits?: Partial<SoakLimits>
  /** a progress line now and then */
  log?: (line: string) => void
}

interface Resources {
  descriptors: number
  sockets: number
  timers: number
}

export interface SoakReport {
  durationMs: number
  samples: Sample[]
  slopes: { heapMBPerMin: number; rssMBPerMin: number; descriptorsPerMin: number; timersPerMin: number }
  before: Resources
  after: Resources
  counts: OperationCounts
  churned: number
  rejections: string[]
  exceptions: string[]
  failures: string[]
  passed: boolean
}

const MB = 1024 * 1024

function resources(): Resources {
  return { descriptors: openDescriptors(), ...activeHandles() }
}

async function settle(before: Resources, ms: number): Promise<Resources> {
  const deadline = Date.now() + ms
  let now = resources()
  while (
    (now.descriptors > before.descriptors || now.sockets > before.sockets || now.timers > before.timers) &&
    Date.now() < deadline
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    now = resources()
  }
  return now
}

async function warmRuntime(): Promise<void> {
  await promisify(randomFill)(new Uint8Array(16))
  await lookup('localhost').catch(() => undefined)
  const warm = new SoakNetwork({ stableHosts: 1, churnHosts: 1, seed: 1 })
  await warm.start()
  await warm.stop()
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const limits: SoakLimits = { heapSlope: 1.5, rssSlope: 6, descriptorSlope: 3, ...options.limits }
  const log = options.log ?? (() => {})
  const failures = watchFailures()
  // the runtime opens some descriptors once, on first use (libuv's thread
  // pool, a host's first socket): a host started and stopped before the
  // baseline keeps them out of the "left after the stop" count
  await warmRuntime()
  // the warm-up hosts' sockets and timers gone (or 5 s), then the baseline
  await settle({ descriptors: Number.POSITIVE_INFINITY, sockets: 0, timers: 0 }, 5_000)
  const before = resources()
  const network = new SoakNetwork({
    stableHosts: options.stableHosts ?? 4,
    churnHosts: options.churnHosts ?? 6,
    seed: options.seed ?? 0x50a6,
  })
  const startedAt = Date.now()
  const samples: Sample[] = []
  const sampleEvery = options.sampleEveryMs ?? 5_000
  const tickMs = options.tickMs ?? 1_000
  let nextSample = startedAt
  let nextLog = startedAt + 60_000
  try {
    await network.start()
    while (Date.now() - startedAt < options.durationMs) {
      const tickStart = Date.now()
      await network.step()
      if (Date.now() >= nextSample) {
        samples.push(sample(startedAt, network.size))
        nextSample += sampleEvery
      }
      if (Date.now() >= nextLog) {
        nextLog += 60_000
        log(progressLine(samples.at(-1), network, options.durationMs))
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - tickStart))))
    }
  } finally {
    await network.stop()
  }
  const after = await settle(before, 10_000)
  failures.stop()

  const steady = samples.filter((s) => s.at >= (options.warmup ?? 0.25) * options.durationMs)
  const slopes = {
    heapMBPerMin: slopePerMinute(steady, (s) => s.heapUsed) / MB,
    rssMBPerMin: slopePerMinute(steady, (s) => s.rss) / MB,
    descriptorsPerMin: slopePerMinute(steady, (s) => s.descriptors),
    timersPerMin: slopePerMinute(steady, (s) => s.timers),
  }
  const problems: string[] = []
  if (failures.rejections.length > 0) problems.push(`${failures.rejections.length} unhandled rejection(s)`)
  if (failures.exceptions.length > 0) problems.push(`${failures.exceptions.length} uncaught exception(s)`)
  if (steady.length < 4) problems.push(`only ${steady.length} samples after the warm-up`)
  if (slopes.heapMBPerMin > limits.heapSlope)
    problems.push(`heap grows ${slopes.heapMBPerMin.toFixed(2)} MB/min (limit ${limits.heapSlope})`)
  if (slopes.rssMBPerMin > limits.rssSlope)
    problems.push(`RSS grows ${slopes.rssMBPerMin.toFixed(2)} MB/min (limit ${limits.rssSlope})`)
  if (slopes.descriptorsPerMin > limits.descriptorSlope)
    problems.push(
      `descriptors grow ${slopes.descriptorsPerMin.toFixed(2)}/min (limit ${limits.descriptorSlope})`,
    )
  for (const key of ['descriptors', 'sockets', 'timers'] as const)
    if (after[key] > before[key]) problems.push(`${after[key] - before[key]} ${key} left after the stop`)
  for (const [kind, ok] of Object.entries(network.counts.ok) as Array<[OperationKind, number]>)
    if (ok === 0) problems.push(`no ${kind} succeeded`)
  return {
    durationMs: Date.now() - startedAt,
    samples,
    slopes,
    before,
    after,
    counts: network.counts,
    churned: network.churned,
    rejections: failures.rejections,
    exceptions: failures.exceptions,
    failures: problems,
    passed: problems.length === 0,
  }
}

function progressLine(last: Sample | undefined, network: SoakNetwork, durationMs: number): string {
  const ok = Object.values(network.counts.ok).reduce((a, b) => a + b, 0)
  const failed = Object.values(network.counts.failed).reduce((a, b) => a + b, 0)
  const minute = Math.round((last?.at ?? 0) / 60_000)
  return `minute ${minute}/${Math.round(durationMs / 60_000)}: heap ${((last?.heapUsed ?? 0) / MB).toFixed(1)} MB, rss ${((last?.rss ?? 0) / MB).toFixed(0)} MB, descriptors ${last?.descriptors}, timers ${last?.timers}, hosts ${network.size}, churned ${network.churned}, operations ${ok} ok / ${failed} failed`
}

/** The report as markdown: the verdict, the slopes, the resources, the operations. */
export function formatReport(report: SoakReport): string {
  const first = report.samples[0]
  const last = report.samples.at(-1)
  const rows = (Object.keys(report.counts.ok) as OperationKind[]).map(
    (kind) => `| ${kind} | ${report.counts.ok[kind]} | ${report.counts.failed[kind]} |`,
  )
  return [
    `## Soak: ${(report.durationMs / 60_000).toFixed(1)} min, ${report.churned} hosts replaced — ${report.passed ? 'passed' : 'FAILED'}`,
    '',
    ...(report.failures.length > 0 ? report.failures.map((f) => `- ${f}`).concat(['']) : []),
    '| measure | first sample | last sample | slope after warm-up |',
    '|---|---:|---:|---:|',
    `| heap after GC (MB) | ${((first?.heapUsed ?? 0) / MB).toFixed(1)} | ${((last?.heapUsed ?? 0) / MB).toFixed(1)} | ${report.slopes.heapMBPerMin.toFixed(3)} MB/min |`,
    `| RSS (MB) | ${((first?.rss ?? 0) / MB).toFixed(0)} | ${((last?.rss ?? 0) / MB).toFixed(0)} | ${report.slopes.rssMBPerMin.toFixed(3)} MB/min |`,
    `| open descriptors | ${first?.descriptors} | ${last?.descriptors} | ${report.slopes.descriptorsPerMin.toFixed(3)}/min |`,
    `| live timers | ${first?.timers} | ${last?.timers} | ${report.slopes.timersPerMin.toFixed(3)}/min |`,
    '',
    `Before the start / after the stop: descriptors ${report.before.descriptors} / ${report.after.descriptors}, sockets ${report.before.sockets} / ${report.after.sockets}, timers ${report.before.timers} / ${report.after.timers}. Unhandled rejections: ${report.rejections.length}; uncaught exceptions: ${report.exceptions.length}.`,
    '',
    '| operation | ok | failed (a peer had just left, a timeout, or a get before the first put of its key) |',
    '|---|---:|---:|',
    ...rows,
    '',
  ].join('\n')
}
