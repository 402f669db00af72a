/**
 * What every listener of a connection-oriented transport does the same way
 * (TCP, WebSocket, memory): track the connections it accepted, hand each to
 * the upgrader (`upgradeInbound`, under the listener's shutdown signal), say
 * when it is full, and close once: stop accepting, close every accepted
 * connection (each bounded by its own close timeout; one that fails to close
 * is aborted), then emit `'close'`. `bindServer` binds a server object shaped
 * like node:net's for `listen()`. No node: imports, so browsers load it too.
 *
 * @example
 * ```ts
 * class MyListener extends ListenerBase<MyConnection> {
 *   constructor(init: MyListenerInit) {
 *     super({ transport: 'my', ...init })
 *   }
 *   protected async release(closeConnections: () => Promise<void>): Promise<void> {
 *     const serverClosed = closeServer(this.server)
 *     await closeConnections()
 *     await serverClosed
 *   }
 * }
 * ```
 */
import {
  AbortError,
  type ComponentLogger,
  ListenError,
  type Listener,
  type ListenerEvents,
  type Logger,
  type MultiaddrConnection,
  setMaxListeners,
  TypedEventEmitter,
  type Upgrader,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { upgradeInbound } from './inbound-upgrade.js'

export interface ListenerBaseInit {
  /** names the log component: `weft:<transport>:listener:<n>` */
  transport: string
  upgrader: Pick<Upgrader, 'upgradeInbound'>
  logger: ComponentLogger
  /** accepted connections held at once; `isFull` says when they are reached (default unlimited) */
  maxConnections?: number
}

/**
 * The part of a node:net (or node:http/https) `Server` that `bindServer` and
 * `closeServer` use, written out so this file needs no Node types.
 */
export interface ServerHandle {
  readonly listening: boolean
  listen(options: { host: string; port: number; backlog?: number }, callback: () => void): unknown
  close(callback: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  once(event: 'error', listener: (err: Error) => void): unknown
  off(event: 'error', listener: (err: Error) => void): unknown
}

/** Per transport, so each one's listeners are numbered from 0 in the logs. */
const nextListenerIds = new Map<string, number>()

export abstract class ListenerBase<Conn extends MultiaddrConnection>
  extends TypedEventEmitter<ListenerEvents>
  implements Listener
{
  protected readonly log: Logger
  private readonly upgrader: Pick<Upgrader, 'upgradeInbound'>
  private readonly maxConnections: number
  private readonly connections = new Set<Conn>()
  private readonly shutdown = new AbortController()
  private closing?: Promise<void>
  private nextConnectionId = 0

  constructor(init: ListenerBaseInit) {
    super()
    const id = nextListenerIds.get(init.transport) ?? 0
    nextListenerIds.set(init.transport, id + 1)
    this.log = init.logger.forComponent(`weft:${init.transport}:listener:${id}`)
    this.upgrader = init.upgrader
    this.maxConnections = init.maxConnections ?? Number.POSITIVE_INFINITY
    // every inbound upgrade listens on this signal
    setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
  }

  abstract listen(ma: Multiaddr): Promise<void>

  abstract getAddrs(): Multiaddr[]

  /** The addresses carry nothing learnt at run time: nothing to amend. */
  updateAnnounceAddrs(_addrs: Multiaddr[]): void {}

  async close(): Promise<void> {
    this.closing ??= this.closeNow()
    return this.closing
  }

  /** the accepted connections still open */
  get connectionCount(): number {
    return this.connections.size
  }

  /** true once `close()` was called: accept nothing more */
  protected get closed(): boolean {
    return this.closing != null
  }

  /** true when `maxConnections` accepted connections are open */
  protected get isFull(): boolean {
    return this.connections.size >= this.maxConnections
  }

  /** Throws the `ListenError` of a `listen()` on a closed listener or on one already listening. */
  protected checkCanListen(ma: Multiaddr, alreadyListening: boolean): void {
    if (this.closing != null) throw new ListenError(`cannot listen on ${ma}: the listener is closed`)
    if (alreadyListening) {
      throw new ListenError(`cannot listen on ${ma}: already listening on ${this.getAddrs()[0]}`)
    }
  }

  /**
   * Binds `server` for `listen(ma)`: rejects with a `ListenError` when it
   * cannot, or when `close()` ran meanwhile (the server is then closed, so it
   * cannot outlive the listener). Later server errors become `'error'` events.
   */
  protected async bindServer(
    server: ServerHandle,
    ma: Multiaddr,
    options: { host: string; port: number; backlog?: number },
  ): Promise<void> {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(options, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (err) {
      throw new ListenError(`could not listen on ${ma}: ${(err as Error).message}`)
    }
    if (this.closing != null) {
      await closeServer(server)
      throw new ListenError(`cannot listen on ${ma}: the listener closed`)
    }
    server.on('error', (err) => {
      this.log.error('server error: %s', err.message)
      this.safeDispatchEvent('error', { detail: err })
    })
  }

  /** A log scope for the next accepted connection (`conn:<n>`). */
  protected connectionLog(): Logger {
    return this.log.newScope(`conn:${this.nextConnectionId++}`)
  }

  /** Tracks an accepted connection until it closes and hands it to the upgrader. */
  protected handOver(connection: Conn): void {
    this.connections.add(connection)
    connection.addEventListener('close', () => this.connections.delete(connection), { once: true })
    void upgradeInbound(this.upgrader, connection, { shutdown: this.shutdown.signal, log: this.log })
  }

  /** Closes one accepted connection when the listener closes (a transport may send a reason). */
  protected async closeConnection(connection: Conn): Promise<void> {
    await connection.close()
  }

  /**
   * Stops accepting and releases the address, calling `closeConnections`
   * where the transport needs it; resolves once the listening handle is gone.
   */
  protected abstract release(closeConnections: () => Promise<void>): Promise<void>

  private async closeNow(): Promise<void> {
    this.shutdown.abort(new AbortError('the listener closed'))
    await this.release(async () => {
      await Promise.all(
        [...this.connections].map(async (connection) => {
          try {
            await this.closeConnection(connection)
          } catch (err) {
            connection.abort(err as Error)
          }
        }),
      )
    })
    this.log('closed')
    this.safeDispatchEvent('close')
  }
}

/**
 * Closes `server`: resolves once every handle it accepted is gone, at once
 * when it is not listening.
 */
export async function closeServer(server: ServerHandle | undefined): Promise<void> {
  if (server?.listening !== true) return
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
