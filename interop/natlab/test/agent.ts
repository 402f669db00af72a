/**
 * Drives a program running inside a lab namespace: requests go as JSON lines
 * on its stdin (`{ id, op, ...args }`), answers come back as JSON lines on
 * its stdout (`{ id, ok, result | error }`). Every request has a timeout.
 */
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { NatLab } from './nat-lab.js'

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout>
}

export class Agent {
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private stderr = ''
  private exited = false

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line))
    child.stderr!.on('data', (chunk) => {
      this.stderr = (this.stderr + String(chunk)).slice(-4_000)
    })
    child.once('exit', (code, signal) => {
      this.exited = true
      for (const [id, pending] of this.pending) {
        clearTimeout(pending.timer)
        pending.reject(
          new Error(`${label} exited (${code ?? signal}) before answering #${id}: ${this.stderr}`),
        )
      }
      this.pending.clear()
    })
  }

  /** Starts `script` in `namespace` and waits for its `ready` line. */
  static async start(
    lab: NatLab,
    namespace: string,
    script: string,
    label: string,
    options: { args?: string[]; nodeArgs?: string[] } = {},
  ): Promise<Agent> {
    const agent = new Agent(lab.spawnNode(namespace, script, options.args, options.nodeArgs), label)
    await agent.request('ping', {}, 15_000)
    return agent
  }

  /** Starts the program `command ...args` (the go peer's `agent`) in `namespace` and waits until it answers a ping. */
  static async startProgram(
    lab: NatLab,
    namespace: string,
    command: string,
    args: string[],
    label: string,
  ): Promise<Agent> {
    const agent = new Agent(lab.spawnProgram(namespace, command, args), label)
    await agent.request('ping', {}, 15_000)
    return agent
  }

  /** The last few KiB the program wrote to stderr (its log when DEBUG is set). */
  get log(): string {
    return this.stderr
  }

  async request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeout = 15_000): Promise<T> {
    if (this.exited) throw new Error(`${this.label} has exited: ${this.stderr}`)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.label}: ${op} got no answer in ${timeout} ms; stderr: ${this.stderr}`))
      }, timeout)
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`)
    })
  }

  private onLine(line: string): void {
    let message: { id?: number; ok?: boolean; result?: unknown; error?: string }
    try {
      message = JSON.parse(line)
    } catch {
      return
    }
    if (message.id == null) return
    const pending = this.pending.get(message.id)
    if (pending == null) return
    this.pending.delete(message.id)
    clearTimeout(pending.timer)
    if (message.ok === true) pending.resolve(message.result)
    else pending.reject(new Error(`${this.label}: ${message.error}`))
  }
}
