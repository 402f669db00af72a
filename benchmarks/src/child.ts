/**
 * Orchestrator side of the worker processes: fork with IPC, wait for typed
 * messages with a timeout, and kill every child still alive when the
 * orchestrator exits (normally, on an error or on a signal).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const POLYFILL = fileURLToPath(new URL('../../../interop/polyfill.mjs', import.meta.url))

const live = new Set<ChildProcess>()
let hooksInstalled = false

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGKILL')
      process.exit(130)
    })
  }
}

export interface WorkerMessage {
  type: string
  [key: string]: unknown
}

export interface WorkerOptions {
  /** load the Promise.withResolvers polyfill (js-libp2p on Node 20) */
  polyfill: boolean
  /** expose global.gc() */
  gc?: boolean
  /** write a CPU profile into this directory */
  cpuProfDir?: string
}

export class Worker {
  private readonly queue: WorkerMessage[] = []
  private waiter?: () => void
  private exitCode?: number | null
  readonly exited: Promise<number | null>

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    live.add(child)
    child.on('message', (message: WorkerMessage) => {
      this.queue.push(message)
      this.waiter?.()
    })
    this.exited = new Promise((resolve) => {
      // 'close' comes after 'exit' once the child's stdio has ended: a native program's last stdout line is in
      child.once('close', (code, signal) => {
        live.delete(child)
        this.exitCode = code ?? (signal == null ? null : -1)
        this.waiter?.()
        resolve(this.exitCode)
      })
    })
  }

  send(message: WorkerMessage): void {
    // the worker may be exiting on its own (a client that sent its result): a send to a
    // closing channel fails with EPIPE, which without a callback is an unhandled 'error'
    if (this.child.connected) this.child.send(message, () => {})
    // a native program (startProcess) has no IPC channel: closing its stdin tells it to stop
    else if (message.type === 'stop') this.child.stdin?.end()
  }

  /** The next message of `type`; rejects when the worker exits first or after `timeoutMs`. */
  async next<T extends WorkerMessage>(type: string, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      const index = this.queue.findIndex((message) => message.type === type || message.type === 'error')
      if (index >= 0) {
        const [message] = this.queue.splice(index, 1)
        if (message!.type === 'error') throw new Error(`${this.name} failed: ${String(message!.message)}`)
        return message as T
      }
      if (this.exitCode !== undefined)
        throw new Error(`${this.name} exited (${this.exitCode}) before sending '${type}'`)
      const left = deadline - Date.now()
      if (left <= 0) {
        this.kill()
        throw new Error(`${this.name} sent no '${type}' within ${timeoutMs} ms`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.waiter = undefined
    }
  }

  /** Asks the worker to stop, and kills it if it has not exited after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.exitCode !== undefined) return
    this.send({ type: 'stop' })
    let timer: ReturnType<typeof setTimeout> | undefined
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.kill()
        resolve()
      }, timeoutMs)
    })
    await Promise.race([this.exited, killed])
    clearTimeout(timer)
  }

  kill(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL')
  }
}

/** Forks `script` (a file in this folder's build) with `args` as JSON in argv[2]. */
export function startWorker(name: string, script: string, args: unknown, options: WorkerOptions): Worker {
  installHooks()
  const execArgv: string[] = []
  if (options.polyfill) execArgv.push('--import', POLYFILL)
  if (options.gc === true) execArgv.push('--expose-gc')
  if (options.cpuProfDir != null) execArgv.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfDir)
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [JSON.stringify(args)], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Worker(name, child)
}

/**
 * Spawns a native program (the go-libp2p and rust-libp2p perf peers) that
 * prints one JSON object per line on stdout; each line arrives as a message
 * of the returned worker, other lines go to this process's stderr. `stop()`
 * closes its stdin, which ends it.
 */
export function startProcess(name: string, command: string, args: readonly string[]): Worker {
  installHooks()
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const worker = new Worker(name, child)
  // a program that is not there (or not executable) exits before sending anything
  child.once('error', (err) => {
    process.stderr.write(`${name}: ${err.message}\n`)
    child.emit('close', null, 'SIGKILL')
  })
  child.stdin?.on('error', () => {}) // the program may exit before reading its stdin
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const message = JSON.parse(line) as WorkerMessage
      if (typeof message?.type === 'string') {
        child.emit('message', message)
        return
      }
    } catch {}
    process.stderr.write(`${name}: ${line}\n`)
  })
  return worker
}

/** Milliseconds from spawning `node <args>` until it exits with code 0; kills it after `timeoutMs`. */
export async function timeProcess(args: string[], timeoutMs: number): Promise<number> {
  installHooks()
  const start = performance.now()
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  live.add(child)
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`node ${args.join(' ')} did not exit within ${timeoutMs} ms`))
      }, timeoutMs)
      child.once('error', reject)
      child.once('exit', (exitCode) => resolve(exitCode))
    })
    const elapsed = performance.now() - start
    if (code !== 0) throw new Error(`node ${args.join(' ')} exited with code ${code}`)
    return elapsed
  } finally {
    clearTimeout(timer)
    live.delete(child)
  }
}
