/**
 * Drives `go-peer agent` (interop/go-peer/agent*.go), one go-libp2p host per
 * process, spawned directly on loopback: requests go as JSON lines on its
 * stdin (`{ id, op, ...args }`), answers come back on its stdout
 * (`{ id, ok, result | error }`), the NAT lab's agent protocol
 * (interop/natlab/test/agent.ts). Every request has a timeout; `stop` ends
 * the process.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
// @ts-expect-error plain ESM module without type declarations
import { goPeerBinary } from '../../runner/peers.mjs'

interface Pending {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  timer: ReturnType<typeof setTimeout>
}

/** What `start` takes (see agent_host.go). */
export interface StartOptions {
  listen?: string[]
  relay?: boolean
  relayInit?: {
    maxReservations?: number
    durationLimit?: number
    dataLimit?: number
    reservationTtl?: number
  }
  reachability?: 'public' | 'private'
  dht?: { mode: 'server' | 'client'; protocol?: string }
  pubsub?: { validateQueueSize?: number; outboundQueueSize?: number; heartbeatMs?: number }
}

export interface ConnectionInfo {
  remotePeer: string
  remoteAddr: string
  direct: boolean
  limited: boolean
}

export interface EchoResult extends ConnectionInfo {
  echoed: boolean
  received: number
  error?: string
}

export interface ReceivedMessage {
  from: string
  seqno: string
  data: string
  local: boolean
}

export interface PubSubStats {
  validated: number
  delivered: number
  duplicates: number
  rejected: Record<string, number>
  droppedRpcs: number
  undeliverable: number
}

/** The go binary, built once per machine (interop/runner/peers.mjs caches it). */
let binary: Promise<string> | undefined
export function goBinary(): Promise<string> {
  binary ??= goPeerBinary((line: string) => process.stderr.write(`go build: ${line}\n`)) as Promise<string>
  return binary
}

export class GoAgent {
  private readonly pending = new Map<number, Pending>()
  private nextId = 0
  private stderr = ''
  private exited = false
  private readonly exit: Promise<void>
  peerId = ''
  addrs: string[] = []

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line))
    child.stderr!.on('data', (chunk) => {
      this.stderr = (this.stderr + String(chunk)).slice(-4_000)
    })
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true
        for (const [id, pending] of this.pending) {
          clearTimeout(pending.timer)
          pending.reject(
            new Error(`${label} exited (${code ?? signal}) before answering #${id}: ${this.stderr}`),
          )
        }
        this.pending.clear()
        resolve()
      })
    })
  }

  /** Spawns an agent, checks it answers, and starts its host with `options`. */
  static async start(label: string, options: StartOptions = {}): Promise<GoAgent> {
    const child = spawn(await goBinary(), ['agent'], { stdio: ['pipe', 'pipe', 'pipe'] })
    const agent = new GoAgent(child, label)
    try {
      await agent.request('ping', {}, 15_000)
      const started = await agent.request<{ peerId: string; addrs: string[] }>(
        'start',
        { listen: ['/ip4/127.0.0.1/tcp/0'], ...options },
        15_000,
      )
      agent.peerId = started.peerId
      agent.addrs = started.addrs
    } catch (err) {
      await agent.stop()
      throw err
    }
    return agent
  }

  /** The host's first TCP address with its peer id: what the other stack dials. */
  get address(): string {
    const tcp = this.addrs.find((addr) => /\/tcp\/\d+$/.test(addr)) ?? this.addrs[0]
    return `${tcp}/p2p/${this.peerId}`
  }

  /** The last few KiB the program wrote to stderr. */
  get log(): string {
    return this.stderr
  }

  async request<T = unknown>(op: string, args: Record<string, unknown> = {}, timeout = 30_000): Promise<T> {
    if (this.exited) throw new Error(`${this.label} has exited: ${this.stderr}`)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.label}: ${op} got no answer in ${timeout} ms; stderr: ${this.stderr}`))
      }, timeout + 7_000)
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer })
      // the agent bounds the op by `timeout` + 5 s itself, so its own error comes first
      this.child.stdin!.write(`${JSON.stringify({ id, op, timeout, ...args })}\n`)
    })
  }

  /** Stops the host, closes stdin (the agent exits) and kills it if it lingers. */
  async stop(): Promise<void> {
    if (this.exited) return
    await this.request('stop', {}, 5_000).catch(() => {})
    this.child.stdin!.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await this.exit
    clearTimeout(timer)
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
