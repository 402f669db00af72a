/**
 * One repetition of each benchmark case for one stack: each case starts a
 * listening process and a dialing process (plus a proxy or the reference
 * pair where the case needs one) and records what the dialer measured.
 */
import { fileURLToPath } from 'node:url'
import { POLYFILL, startWorker, timeProcess, type Worker, type WorkerMessage } from './child.js'
import type { BenchConfig, CaseName } from './config.js'
import type { Results } from './metrics.js'
import type { PerfPairs } from './perf-pairs.js'
import type { Anchor } from './stacks/anchors.js'
import type { Muxer, Stack, TransportName } from './stacks/node.js'
import { median, quantile } from './stats.js'
import type { ClientTask } from './worker-client.js'
import type { MemorySample } from './worker-runtime.js'

export interface RunContext {
  config: BenchConfig
  results: Results
  /** /perf/1.0.0 figures per client → server pair (throughput on yamux, and the anchors case) */
  pairs: PerfPairs
  /** the anchors built for this run: their binaries */
  anchors: ReadonlyMap<Anchor, string>
  cpuProfDir?: string
  log: (message: string) => void
}

export const READY_TIMEOUT = 60_000
const MB = 1e6

export function workerOptions(stack: Stack | 'raw', ctx: RunContext, gc = false) {
  return {
    polyfill: stack === 'js',
    gc,
    cpuProfDir: stack === 'weft' ? ctx.cpuProfDir : undefined,
  }
}

export async function withServer<T>(
  stack: Stack,
  muxer: Muxer,
  ctx: RunContext,
  timeoutMs: number,
  gc: boolean,
  fn: (server: Worker, ready: { address: string; memory?: MemorySample }) => Promise<T>,
  transport: TransportName = 'tcp-noise',
): Promise<T> {
  const server = startWorker(
    `${stack} ${transport} server`,
    './worker-server.js',
    { stack, muxer, transport, gc, deadlineMs: timeoutMs + READY_TIMEOUT + 30_000 },
    workerOptions(stack, ctx, gc),
  )
  try {
    const ready = await server.next<WorkerMessage & { address: string; memory?: MemorySample }>(
      'ready',
      READY_TIMEOUT,
    )
    return await fn(server, ready)
  } finally {
    await server.stop()
  }
}

export async function runClient<T extends WorkerMessage>(
  stack: Stack,
  muxer: Muxer,
  address: string,
  task: ClientTask,
  ctx: RunContext,
  timeoutMs: number,
  options: {
    gc?: boolean
    opTimeoutMs?: number
    transport?: TransportName
    whileOpen?: (client: Worker, result: T) => Promise<void>
  } = {},
): Promise<T> {
  const transport = options.transport ?? 'tcp-noise'
  const client = startWorker(
    `${stack} ${transport} ${task.kind} client`,
    './worker-client.js',
    {
      stack,
      muxer,
      transport,
      address,
      task,
      opTimeoutMs: options.opTimeoutMs ?? 10_000,
      deadlineMs: timeoutMs + 10_000,
    },
    workerOptions(stack, ctx, options.gc),
  )
  try {
    const result = await client.next<T>('result', timeoutMs)
    await options.whileOpen?.(client, result)
    return result
  } finally {
    await client.stop()
  }
}

function tcpPort(address: string): number {
  const match = /\/tcp\/(\d+)/.exec(address)
  if (match == null) throw new Error(`no TCP port in ${address}`)
  return Number(match[1])
}

async function throughput(stack: Stack, ctx: RunContext): Promise<void> {
  const bytes = ctx.config.throughputBytes
  const timeoutMs = throughputTimeoutMs(bytes)
  for (const muxer of ctx.config.muxers) {
    await withServer(stack, muxer, ctx, timeoutMs, false, async (_server, ready) => {
      const result = await runClient<WorkerMessage & { upload: number; download: number; connectMs: number }>(
        stack,
        muxer,
        ready.address,
        { kind: 'throughput', bytes },
        ctx,
        timeoutMs,
        { opTimeoutMs: timeoutMs },
      )
      ctx.results.add(`throughput/${muxer}/upload`, stack, bytes / MB / result.upload)
      ctx.results.add(`throughput/${muxer}/download`, stack, bytes / MB / result.download)
      if (muxer === 'yamux') {
        ctx.pairs.add(stack, stack, {
          uploadMBps: bytes / MB / result.upload,
          downloadMBps: bytes / MB / result.download,
          connectMs: result.connectMs,
        })
      }
    })
  }
}

async function reference(ctx: RunContext): Promise<void> {
  const bytes = ctx.config.throughputBytes
  const timeoutMs = Math.ceil(60_000 + (bytes / (2 * MB)) * 1000)
  const server = startWorker(
    'raw server',
    './worker-raw.js',
    { role: 'server', deadlineMs: timeoutMs + 90_000 },
    workerOptions('raw', ctx),
  )
  try {
    const { port } = await server.next<WorkerMessage & { port: number }>('ready', READY_TIMEOUT)
    const client = startWorker(
      'raw client',
      './worker-raw.js',
      { role: 'client', port, bytes, deadlineMs: timeoutMs + 10_000 },
      workerOptions('raw', ctx),
    )
    try {
      const { seconds } = await client.next<WorkerMessage & { seconds: number }>('result', timeoutMs)
      ctx.results.add('throughput/reference', 'raw', bytes / MB / seconds)
    } finally {
      await client.stop()
    }
  } finally {
    await server.stop()
  }
}

async function setup(stack: Stack, ctx: RunContext): Promise<void> {
  const { setupDials, setupWarmup, proxiedDials, proxyDelayMs } = ctx.config
  const timeoutMs = 60_000 + (setupDials + setupWarmup + proxiedDials) * 2_000
  await withServer(stack, 'yamux', ctx, timeoutMs, false, async (_server, ready) => {
    const proxy = startWorker(
      'delay proxy',
      './worker-proxy.js',
      { targetPort: tcpPort(ready.address), delayMs: proxyDelayMs, deadlineMs: timeoutMs + 30_000 },
      workerOptions('raw', ctx),
    )
    try {
      const { port } = await proxy.next<WorkerMessage & { port: number }>('ready', READY_TIMEOUT)
      const proxied = ready.address.replace(/\/tcp\/\d+/, `/tcp/${port}`)
      const result = await runClient<WorkerMessage & { direct: number[]; proxied: number[] }>(
        stack,
        'yamux',
        ready.address,
        { kind: 'setup', dials: setupDials, warmup: setupWarmup, proxied, proxiedDials },
        ctx,
        timeoutMs,
      )
      ctx.results.add('setup/median', stack, median(result.direct))
      ctx.results.add('setup/p95', stack, quantile(result.direct, 0.95))
      ctx.results.add('setup/round-trips', stack, median(result.proxied) / (2 * proxyDelayMs))
    } finally {
      await proxy.stop()
    }
  })
}

async function streams(stack: Stack, ctx: RunContext): Promise<void> {
  const { streams: count, streamsWarmup } = ctx.config
  const timeoutMs = 60_000 + (count + streamsWarmup) * 200
  await withServer(stack, 'yamux', ctx, timeoutMs, false, async (_server, ready) => {
    const result = await runClient<WorkerMessage & { perSecond: number }>(
      stack,
      'yamux',
      ready.address,
      { kind: 'streams', streams: count, warmup: streamsWarmup },
      ctx,
      timeoutMs,
    )
    ctx.results.add('streams/rate', stack, result.perSecond)
  })
}

async function ping(stack: Stack, ctx: RunContext): Promise<void> {
  const { pings, pingWarmup } = ctx.config
  const timeoutMs = 60_000 + (pings + pingWarmup) * 200
  await withServer(stack, 'yamux', ctx, timeoutMs, false, async (_server, ready) => {
    const result = await runClient<WorkerMessage & { times: number[] }>(
      stack,
      'yamux',
      ready.address,
      { kind: 'ping', pings, warmup: pingWarmup },
      ctx,
      timeoutMs,
    )
    ctx.results.add('ping/rtt', stack, median(result.times))
  })
}

async function memory(stack: Stack, ctx: RunContext): Promise<void> {
  const { memoryConnections } = ctx.config
  const timeoutMs = 120_000 + memoryConnections * 500
  const kib = (bytes: number, connections: number) => bytes / 1024 / connections
  await withServer(stack, 'yamux', ctx, timeoutMs, true, async (server, ready) => {
    await runClient<WorkerMessage & { before: MemorySample; after: MemorySample; open: number }>(
      stack,
      'yamux',
      ready.address,
      { kind: 'memory', connections: memoryConnections },
      ctx,
      timeoutMs,
      {
        gc: true,
        whileOpen: async (_client, result) => {
          if (result.open !== memoryConnections) {
            throw new Error(`${stack}: ${result.open} of ${memoryConnections} connections stayed open`)
          }
          server.send({ type: 'memory' })
          const listener = await server.next<WorkerMessage & { memory: MemorySample; connections: number }>(
            'memory',
            60_000,
          )
          if (listener.connections !== memoryConnections) {
            throw new Error(
              `${stack}: the listener holds ${listener.connections} of ${memoryConnections} connections`,
            )
          }
          const base = ready.memory!
          ctx.results.add('memory/dialer-rss', stack, kib(result.after.rss - result.before.rss, result.open))
          ctx.results.add(
            'memory/dialer-heap',
            stack,
            kib(result.after.heapUsed - result.before.heapUsed, result.open),
          )
          ctx.results.add('memory/listener-rss', stack, kib(listener.memory.rss - base.rss, result.open))
          ctx.results.add(
            'memory/listener-heap',
            stack,
            kib(listener.memory.heapUsed - base.heapUsed, result.open),
          )
        },
      },
    )
  })
}

async function coldStart(stack: Stack, ctx: RunContext): Promise<void> {
  const script = fileURLToPath(
    new URL(stack === 'weft' ? './cold-start-weft.js' : './cold-start-js.js', import.meta.url),
  )
  const args = [...(stack === 'js' ? ['--import', POLYFILL] : []), script]
  for (let i = 0; i < ctx.config.coldStarts; i++) {
    ctx.results.add('cold-start', stack, await timeProcess(args, 60_000))
  }
}

export function throughputTimeoutMs(bytes: number): number {
  // at worst 2 MB/s, both directions, plus start-up
  return Math.ceil(60_000 + ((2 * bytes) / (2 * MB)) * 1000)
}

const RUNNERS: Record<
  Exclude<CaseName, 'anchors' | 'playground' | 'transports'>,
  (stack: Stack, ctx: RunContext) => Promise<void>
> = {
  throughput,
  setup,
  streams,
  memory,
  'cold-start': coldStart,
  ping,
}

/** One repetition of `name`: both stacks in `order`, then the reference where the case has one. */
export async function runCase(
  name: Exclude<CaseName, 'anchors' | 'playground' | 'transports'>,
  order: readonly Stack[],
  ctx: RunContext,
): Promise<void> {
  for (const stack of order) {
    const start = performance.now()
    try {
      await RUNNERS[name](stack, ctx)
      ctx.log(`  ${name} ${stack}: ${((performance.now() - start) / 1000).toFixed(1)} s`)
    } catch (err) {
      const message = `${name} ${stack}: ${(err as Error).message}`
      ctx.results.failures.push(message)
      ctx.log(`  FAILED ${message}`)
    }
  }
  if (name === 'throughput') {
    try {
      await reference(ctx)
    } catch (err) {
      const message = `throughput reference: ${(err as Error).message}`
      ctx.results.failures.push(message)
      ctx.log(`  FAILED ${message}`)
    }
  }
}
