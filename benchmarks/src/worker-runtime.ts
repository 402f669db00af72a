/**
 * Worker side of the benchmark processes: arguments arrive as JSON in
 * argv[2], results go back over IPC. Every worker exits by itself: when its
 * deadline passes, when the orchestrator disconnects, or when told to stop.
 */
import type { WorkerMessage } from './child.js'

export interface WorkerArgs {
  /** milliseconds after which the worker exits whatever it is doing */
  deadlineMs: number
}

const inbox: WorkerMessage[] = []
const wakers = new Set<() => void>()

export function workerArgs<T extends WorkerArgs>(): T {
  const args = JSON.parse(process.argv[2] ?? '{}') as T
  const deadline = setTimeout(() => {
    process.stderr.write(`worker ${process.argv[1]} passed its deadline of ${args.deadlineMs} ms\n`)
    process.exit(3)
  }, args.deadlineMs)
  deadline.unref()
  process.on('disconnect', () => process.exit(4))
  process.on('message', (message: WorkerMessage) => {
    inbox.push(message)
    for (const wake of [...wakers]) wake()
  })
  return args
}

export function reply(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send == null) {
      resolve()
      return
    }
    process.send(message, undefined, undefined, () => resolve())
  })
}

/** The next message of `type` from the orchestrator (the deadline bounds the wait). */
export async function nextMessage(type: string): Promise<WorkerMessage> {
  while (true) {
    const index = inbox.findIndex((message) => message.type === type)
    if (index >= 0) return inbox.splice(index, 1)[0]!
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        wakers.delete(wake)
        resolve()
      }
      wakers.add(wake)
    })
  }
}

/** Runs `main`; reports a failure to the orchestrator; always exits. */
export function runWorker(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    async (err: Error) => {
      process.stderr.write(`${process.argv[1]}: ${err.stack ?? err.message}\n`)
      await reply({ type: 'error', message: err.message })
      process.exit(1)
    },
  )
}

export interface MemorySample {
  rss: number
  heapUsed: number
  /** memory of ArrayBuffers and other objects outside the V8 heap */
  external: number
}

/** RSS and heap after full garbage collections (needs --expose-gc). */
export async function measureMemory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc == null) throw new Error('run with --expose-gc to measure memory')
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const usage = process.memoryUsage()
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external }
}
