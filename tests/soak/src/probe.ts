/**
 * What the soak measures in its own process: heap after a full collection,
 * RSS, open descriptors, live timers and sockets, and every unhandled
 * rejection or uncaught exception. A collection before each sample makes the
 * heap figure what is still referenced, so growth in it is a leak rather
 * than garbage not yet collected.
 */
import { readdirSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

export interface Sample {
  /** ms since the soak started */
  readonly at: number
  readonly rss: number
  readonly heapUsed: number
  readonly descriptors: number
  readonly timers: number
  readonly sockets: number
  readonly hosts: number
}

/** Open file descriptors (Linux `/proc/self/fd`; -1 where that does not exist). */
export function openDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

export function activeHandles(): { timers: number; sockets: number } {
  const kinds = process.getActiveResourcesInfo()
  return {
    timers: kinds.filter((kind) => kind === 'Timeout').length,
    sockets: kinds.filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPServerWrap').length,
  }
}

export function sample(startedAt: number, hosts: number): Sample {
  collect()
  collect()
  const memory = process.memoryUsage()
  return {
    at: Date.now() - startedAt,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    descriptors: openDescriptors(),
    ...activeHandles(),
    hosts,
  }
}

/** Least-squares slope of `value` over time, in units per minute. */
export function slopePerMinute(samples: readonly Sample[], value: (s: Sample) => number): number {
  const n = samples.length
  if (n < 2) return 0
  const xs = samples.map((s) => s.at / 60_000)
  const ys = samples.map(value)
  const meanX = xs.reduce((a, b) => a + b, 0) / n
  const meanY = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - meanX) * ((ys[i] as number) - meanY)
    den += ((xs[i] as number) - meanX) ** 2
  }
  return den === 0 ? 0 : num / den
}

/** Counts unhandled rejections and uncaught exceptions until `stop()`. */
export function watchFailures(): { rejections: string[]; exceptions: string[]; stop(): void } {
  const rejections: string[] = []
  const exceptions: string[] = []
  const onRejection = (reason: unknown): void => {
    if (rejections.length < 20) rejections.push(String((reason as Error)?.stack ?? reason))
  }
  const onException = (err: Error): void => {
    if (exceptions.length < 20) exceptions.push(String(err?.stack ?? err))
  }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    rejections,
    exceptions,
    stop() {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}
