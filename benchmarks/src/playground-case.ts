/**
 * The playground case: @weft/playground's `getFile` from one source against
 * `/perf/1.0.0` on the same connection between two playground hosts (two
 * processes on 127.0.0.1, `worker-playground.ts`). The target: file
 * throughput ≥ 80% of /perf. weft only (js-libp2p has no playground).
 */
import { READY_TIMEOUT, type RunContext, workerOptions } from './cases.js'
import { startWorker, type WorkerMessage } from './child.js'

const MB = 1e6

function timeoutMs(bytes: number): number {
  // at worst 2 MB/s for the three transfers, plus writing and hashing the file
  return Math.ceil(60_000 + ((4 * bytes) / (2 * MB)) * 1000)
}

/** One repetition: a source process, a fetcher process, three figures. */
export async function runPlayground(ctx: RunContext): Promise<void> {
  const bytes = ctx.config.playgroundBytes
  const timeout = timeoutMs(bytes)
  const start = performance.now()
  const source = startWorker(
    'playground source',
    './worker-playground.js',
    { role: 'source', bytes, opTimeoutMs: timeout, deadlineMs: timeout + READY_TIMEOUT + 30_000 },
    workerOptions('weft', ctx),
  )
  try {
    const ready = await source.next<WorkerMessage & { address: string; id: string }>('ready', READY_TIMEOUT)
    const fetcher = startWorker(
      'playground fetcher',
      './worker-playground.js',
      {
        role: 'fetcher',
        bytes,
        address: ready.address,
        id: ready.id,
        opTimeoutMs: timeout,
        deadlineMs: timeout + 10_000,
      },
      workerOptions('weft', ctx),
    )
    try {
      const result = await fetcher.next<
        WorkerMessage & { perfSeconds: number; fileSeconds: number; perfCpuMs: number; fileCpuMs: number }
      >('result', timeout)
      const perf = bytes / MB / result.perfSeconds
      const file = bytes / MB / result.fileSeconds
      ctx.results.add('playground/perf', 'weft', perf)
      ctx.results.add('playground/get-file', 'weft', file)
      ctx.results.add('playground/ratio', 'weft', file / perf)
      ctx.log(
        `  playground: /perf ${perf.toFixed(1)} MB/s, getFile ${file.toFixed(1)} MB/s, ratio ${((100 * file) / perf).toFixed(0)}%; fetcher CPU per MB: /perf ${((1000 * result.perfCpuMs) / (bytes / MB)).toFixed(0)} µs, getFile ${((1000 * result.fileCpuMs) / (bytes / MB)).toFixed(0)} µs (${((performance.now() - start) / 1000).toFixed(1)} s)`,
      )
    } finally {
      await fetcher.stop()
    }
  } catch (err) {
    const message = `playground: ${(err as Error).message}`
    ctx.results.failures.push(message)
    ctx.log(`  FAILED ${message}`)
  } finally {
    await source.stop()
  }
}
