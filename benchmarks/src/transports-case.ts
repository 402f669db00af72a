/**
 * The `transports` case: for each stack × transport of TRANSPORT_ENTRIES,
 * /perf/1.0.0 throughput, set-up (direct and through a delay proxy: UDP for
 * QUIC, TCP otherwise) and memory per idle connection, each in fresh
 * listener and dialer processes. One repetition per call.
 */
import {
  READY_TIMEOUT,
  type RunContext,
  runClient,
  throughputTimeoutMs,
  withServer,
  workerOptions,
} from './cases.js'
import { startWorker, type WorkerMessage } from './child.js'
import { median } from './stats.js'
import {
  entryName,
  TRANSPORT_ENTRIES,
  type TransportEntry,
  type TransportResults,
} from './transports-report.js'
import type { MemorySample } from './worker-runtime.js'

const MB = 1e6

function port(address: string): number {
  const match = /\/(?:tcp|udp)\/(\d+)/.exec(address)
  if (match == null) throw new Error(`no port in ${address}`)
  return Number(match[1])
}

async function throughput(entry: TransportEntry, ctx: RunContext, results: TransportResults): Promise<void> {
  const bytes = ctx.config.transportBytes
  const timeoutMs = throughputTimeoutMs(bytes)
  await withServer(
    entry.stack,
    'yamux',
    ctx,
    timeoutMs,
    false,
    async (_server, ready) => {
      const result = await runClient<WorkerMessage & { upload: number; download: number }>(
        entry.stack,
        'yamux',
        ready.address,
        { kind: 'throughput', bytes },
        ctx,
        timeoutMs,
        { opTimeoutMs: timeoutMs, transport: entry.transport },
      )
      results.add(entry, 'upload', bytes / MB / result.upload)
      results.add(entry, 'download', bytes / MB / result.download)
    },
    entry.transport,
  )
}

async function setup(entry: TransportEntry, ctx: RunContext, results: TransportResults): Promise<void> {
  const { setupDials, setupWarmup, proxiedDials, proxyDelayMs } = ctx.config
  const dials = Math.ceil(setupDials / 4)
  const timeoutMs = 60_000 + (dials + setupWarmup + proxiedDials) * 2_000
  const udp = entry.transport === 'quic'
  await withServer(
    entry.stack,
    'yamux',
    ctx,
    timeoutMs,
    false,
    async (_server, ready) => {
      const proxy = startWorker(
        udp ? 'UDP delay proxy' : 'delay proxy',
        udp ? './worker-udp-proxy.js' : './worker-proxy.js',
        { targetPort: port(ready.address), delayMs: proxyDelayMs, deadlineMs: timeoutMs + 30_000 },
        workerOptions('raw', ctx),
      )
      try {
        const proxyReady = await proxy.next<WorkerMessage & { port: number }>('ready', READY_TIMEOUT)
        const proxied = ready.address.replace(/\/(tcp|udp)\/\d+/, `/$1/${proxyReady.port}`)
        const result = await runClient<WorkerMessage & { direct: number[]; proxied: number[] }>(
          entry.stack,
          'yamux',
          ready.address,
          { kind: 'setup', dials, warmup: setupWarmup, proxied, proxiedDials },
          ctx,
          timeoutMs,
          { transport: entry.transport },
        )
        results.add(entry, 'setup', median(result.direct))
        results.add(entry, 'round-trips', median(result.proxied) / (2 * proxyDelayMs))
      } finally {
        await proxy.stop()
      }
    },
    entry.transport,
  )
}

async function memory(entry: TransportEntry, ctx: RunContext, results: TransportResults): Promise<void> {
  const connections = ctx.config.transportMemoryConnections
  const timeoutMs = 120_000 + connections * 500
  const kib = (bytes: number) => bytes / 1024 / connections
  await withServer(
    entry.stack,
    'yamux',
    ctx,
    timeoutMs,
    true,
    async (server, ready) => {
      await runClient<WorkerMessage & { before: MemorySample; after: MemorySample; open: number }>(
        entry.stack,
        'yamux',
        ready.address,
        { kind: 'memory', connections },
        ctx,
        timeoutMs,
        {
          gc: true,
          transport: entry.transport,
          whileOpen: async (_client, result) => {
            if (result.open !== connections)
              throw new Error(`${result.open} of ${connections} connections stayed open`)
            server.send({ type: 'memory' })
            const listener = await server.next<WorkerMessage & { memory: MemorySample }>('memory', 60_000)
            const base = ready.memory!
            results.add(entry, 'dialer-heap', kib(result.after.heapUsed - result.before.heapUsed))
            results.add(entry, 'dialer-rss', kib(result.after.rss - result.before.rss))
            results.add(entry, 'listener-heap', kib(listener.memory.heapUsed - base.heapUsed))
            results.add(entry, 'listener-rss', kib(listener.memory.rss - base.rss))
          },
        },
      )
    },
    entry.transport,
  )
}

/** One repetition over every entry; `reverse` alternates the order between repetitions. */
export async function runTransports(
  ctx: RunContext,
  results: TransportResults,
  reverse: boolean,
): Promise<void> {
  const only = ctx.config.transportEntries
  const chosen = TRANSPORT_ENTRIES.filter(
    (entry) => only == null || only.includes(`${entry.stack}-${entry.transport}`),
  )
  const entries = reverse ? [...chosen].reverse() : chosen
  for (const entry of entries) {
    for (const [name, run] of [
      ['throughput', throughput],
      ['setup', setup],
      ['memory', memory],
    ] as const) {
      if (ctx.config.transportParts != null && !ctx.config.transportParts.includes(name)) continue
      const start = performance.now()
      try {
        await run(entry, ctx, results)
        ctx.log(
          `  transports ${entryName(entry)} ${name}: ${((performance.now() - start) / 1000).toFixed(1)} s`,
        )
      } catch (err) {
        const message = `transports ${entryName(entry)} ${name}: ${(err as Error).message}`
        ctx.results.failures.push(message)
        ctx.log(`  FAILED ${message}`)
      }
    }
  }
}
