/**
 * A TCP `Listener`: a node:net server whose accepted sockets become
 * `TcpConnection`s handed to `upgrader.upgradeInbound`, which bounds the
 * upgrade and aborts that one socket when it fails; the listener carries on. `close()` stops accepting,
 * closes every accepted socket (each bounded by its close timeout) and waits
 * for the server handle to go before emitting `'close'`.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'
import { networkInterfaces } from 'node:os'
import {
  AbortError,
  type ComponentLogger,
  ListenError,
  type Listener,
  type ListenerEvents,
  type Logger,
  setMaxListeners,
  TypedEventEmitter,
  type Upgrader,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { upgradeInbound } from '@weft/utils'
import { isWildcard, socketAddressToMultiaddr, toSocketTarget, wildcardAddresses } from './addresses.js'
import { TcpConnection } from './connection.js'

/** How accepted sockets are configured (resolved transport options). */
export interface SocketOptions {
  inactivityTimeout: number
  closeTimeout: number
  allowHalfOpen: boolean
  noDelay: boolean
  keepAlive: boolean
  maxReadBufferLength?: number
  maxWriteBufferLength?: number
}

export interface TcpListenerInit {
  upgrader: Upgrader
  logger: ComponentLogger
  socket: SocketOptions
  maxConnections?: number
  backlog?: number
}

let nextListenerId = 0

export class TcpListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly init: TcpListenerInit
  private readonly log: Logger
  private readonly id = nextListenerId++
  private readonly connections = new Set<TcpConnection>()
  private readonly shutdown = new AbortController()
  private server?: Server
  private bound?: { host: string; address: AddressInfo }
  private closing?: Promise<void>
  private nextConnectionId = 0

  constructor(init: TcpListenerInit) {
    super()
    this.init = init
    this.log = init.logger.forComponent(`weft:tcp:listener:${this.id}`)
    // every inbound upgrade listens on this signal
    setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
  }

  async listen(ma: Multiaddr): Promise<void> {
    if (this.closing != null) throw new ListenError(`cannot listen on ${ma}: the listener is closed`)
    if (this.server != null)
      throw new ListenError(`cannot listen on ${ma}: already listening on ${this.getAddrs()[0]}`)
    const target = toSocketTarget(ma, { allowNames: false })
    const { noDelay, keepAlive } = this.init.socket
    const server = createServer({ allowHalfOpen: true, noDelay, keepAlive }, (socket) =>
      this.onSocket(socket),
    )
    if (this.init.maxConnections != null) server.maxConnections = this.init.maxConnections
    this.server = server
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host: target.host, port: target.port, backlog: this.init.backlog }, () => {
          server.off('error', reject)
          resolve()
        })
      })
    } catch (err) {
      this.server = undefined
      throw new ListenError(`could not listen on ${ma}: ${(err as Error).message}`)
    }
    if (this.closing != null) {
      // close() ran while the server was binding: it must not outlive the listener
      await new Promise<void>((resolve) => server.close(() => resolve()))
      throw new ListenError(`cannot listen on ${ma}: the listener closed`)
    }
    server.on('error', (err) => {
      this.log.error('server error: %s', err.message)
      this.safeDispatchEvent('error', { detail: err })
    })
    server.on('drop', (data) => {
      this.log('dropped a connection from %s: over maxConnections', data?.remoteAddress)
    })
    this.bound = { host: target.host, address: server.address() as AddressInfo }
    this.log('listening on %s port %d', this.bound.address.address, this.bound.address.port)
    this.safeDispatchEvent('listening')
  }

  getAddrs(): Multiaddr[] {
    const bound = this.bound
    if (bound == null) return []
    const { address, port } = bound.address
    if (isWildcard(bound.host)) {
      return wildcardAddresses(bound.host, port, networkInterfaces(), { dualStack: bound.host !== '0.0.0.0' })
    }
    return [socketAddressToMultiaddr(address, port)]
  }

  /** TCP addresses carry nothing learnt at run time: nothing to amend. */
  updateAnnounceAddrs(_addrs: Multiaddr[]): void {}

  async close(): Promise<void> {
    this.closing ??= this.closeNow()
    return this.closing
  }

  /** the accepted connections still open */
  get connectionCount(): number {
    return this.connections.size
  }

  private async closeNow(): Promise<void> {
    this.shutdown.abort(new AbortError('the listener closed'))
    const server = this.server
    const serverClosed =
      server?.listening === true ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined
    await Promise.all(
      [...this.connections].map(async (connection) => {
        try {
          await connection.close()
        } catch (err) {
          connection.abort(err as Error)
        }
      }),
    )
    // resolves once every accepted socket handle is gone
    await serverClosed
    this.bound = undefined
    this.log('closed')
    this.safeDispatchEvent('close')
  }

  private onSocket(socket: Socket): void {
    const { remoteAddress, remotePort } = socket
    if (this.closing != null || remoteAddress == null || remotePort == null) {
      // closing, or the peer already left (no address on a dead socket)
      socket.destroy()
      return
    }
    const options = this.init.socket
    const connection = new TcpConnection({
      socket,
      remoteAddr: socketAddressToMultiaddr(remoteAddress, remotePort),
      direction: 'inbound',
      log: this.log.newScope(`conn:${this.nextConnectionId++}`),
      inactivityTimeout: options.inactivityTimeout,
      closeTimeout: options.closeTimeout,
      allowHalfOpen: options.allowHalfOpen,
      maxReadBufferLength: options.maxReadBufferLength,
      maxWriteBufferLength: options.maxWriteBufferLength,
    })
    this.connections.add(connection)
    connection.addEventListener('close', () => this.connections.delete(connection), { once: true })
    void this.upgrade(connection)
  }

  private async upgrade(connection: TcpConnection): Promise<void> {
    await upgradeInbound(this.init.upgrader, connection, {
      shutdown: this.shutdown.signal,
      log: this.log,
    })
  }
}
