/**
 * The daemon's named connections: opened by /open (outbound) or accepted on
 * the pipe protocol (inbound, under the name the opener chose). At most
 * `maxConnections` names; a name taken on the accepting side gets a suffix.
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Host } from '@weft/host'
import { encodeLengthPrefixed } from '@weft/utils'
import { NamedConnection, PIPE_PROTOCOL, readFrames, type TrafficCounter } from './named-connection.js'

export const MAX_NAME_LENGTH = 64
const NAME = /^[A-Za-z0-9_.-]{1,64}$/
const HEADER_TIMEOUT = 10_000
/** Requests waiting at once for a name to arrive (see `waitFor`). */
const MAX_NAME_WAITERS = 64

export function validName(name: string): boolean {
  return NAME.test(name)
}

export interface ConnectionTableInit {
  host: Host
  count: TrafficCounter
  maxConnections?: number
  onDial?: (outcome: 'success' | 'failure') => void
}

export class ConnectionTable {
  private readonly connections = new Map<string, NamedConnection>()
  private readonly host: Host
  private readonly count: TrafficCounter
  private readonly maxConnections: number
  private readonly onDial: (outcome: 'success' | 'failure') => void
  private readonly nameWaiters = new Set<{
    name: string
    resolve: (named: NamedConnection | undefined) => void
  }>()

  constructor(init: ConnectionTableInit) {
    this.host = init.host
    this.count = init.count
    this.maxConnections = init.maxConnections ?? 256
    this.onDial = init.onDial ?? (() => {})
  }

  async start(): Promise<void> {
    await this.host.handle(PIPE_PROTOCOL, (stream, connection) => this.accept(stream, connection), {
      maxInboundStreams: 64,
    })
  }

  async stop(): Promise<void> {
    for (const waiter of this.nameWaiters) waiter.resolve(undefined)
    await this.host.unhandle(PIPE_PROTOCOL)
    await Promise.all([...this.connections.values()].map((named) => named.close()))
  }

  get(name: string): NamedConnection | undefined {
    return this.connections.get(name)
  }

  /**
   * The connection named `name`, waiting up to `ms` for it to arrive: the
   * opener's daemon may answer /open before this daemon has read the name
   * from the pipe stream. Undefined when it does not arrive in time, or when
   * too many requests are already waiting.
   */
  async waitFor(name: string, ms: number): Promise<NamedConnection | undefined> {
    const known = this.connections.get(name)
    if (known != null || ms <= 0 || this.nameWaiters.size >= MAX_NAME_WAITERS) return known
    return new Promise((resolve) => {
      const waiter = {
        name,
        resolve: (named: NamedConnection | undefined) => {
          clearTimeout(timer)
          this.nameWaiters.delete(waiter)
          resolve(named)
        },
      }
      const timer = setTimeout(() => waiter.resolve(undefined), ms)
      this.nameWaiters.add(waiter)
    })
  }

  list(): NamedConnection[] {
    return [...this.connections.values()]
  }

  get full(): boolean {
    return this.connections.size >= this.maxConnections
  }

  /** Dials `target`, opens the pipe stream and announces `name`. Throws when the dial fails. */
  async open(name: string, target: Multiaddr, signal: AbortSignal): Promise<NamedConnection> {
    let stream: Stream
    let connection: Connection
    try {
      connection = await this.host.dial(target, { signal })
      stream = await connection.newStream(PIPE_PROTOCOL, { signal })
      this.onDial('success')
    } catch (err) {
      this.onDial('failure')
      throw err
    }
    stream.send(encodeLengthPrefixed(new TextEncoder().encode(JSON.stringify({ name }))))
    const named = this.register(name, connection, stream)
    void named.run()
    return named
  }

  private register(name: string, connection: Connection, stream: Stream): NamedConnection {
    const named = new NamedConnection(name, connection, stream, this.count, () => {
      if (this.connections.get(name) === named) this.connections.delete(name)
    })
    this.connections.set(name, named)
    for (const waiter of this.nameWaiters) if (waiter.name === name) waiter.resolve(named)
    return named
  }

  private async accept(stream: Stream, connection: Connection): Promise<void> {
    if (this.full) {
      stream.abort(new Error('too many named connections'))
      return
    }
    const frames = readFrames(stream)
    let header: { name?: unknown } | undefined
    const timer = setTimeout(() => stream.abort(new Error('no header')), HEADER_TIMEOUT)
    try {
      const first = await frames.next()
      if (first.done !== true) {
        header = JSON.parse(new TextDecoder().decode(first.value.subarray())) as { name?: unknown }
      }
    } catch {
      header = undefined
    } finally {
      clearTimeout(timer)
    }
    const requested = typeof header?.name === 'string' && validName(header.name) ? header.name : undefined
    if (requested == null) {
      stream.abort(new Error('bad pipe header'))
      return
    }
    let name = requested
    for (let n = 2; this.connections.has(name); n++) name = `${requested}-${n}`
    await this.register(name, connection, stream).run(frames)
  }
}
