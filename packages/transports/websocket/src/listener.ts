/**
 * A WebSocket `Listener` (Node): an http or https server whose upgrade
 * requests `ws` turns into WebSockets, each wrapped in a
 * `WebSocketConnection` and handed to `upgrader.upgradeInbound`. Plain HTTP
 * requests get `426 Upgrade Required`. The upgrader bounds the libp2p
 * upgrade and aborts that one connection when it fails; the listener carries
 * on. `close()` stops accepting, closes
 * every connection with code 1001 (going away; each bounded by the close
 * timeout), drops half-made HTTP connections, and waits for the server handle
 * to go before emitting `'close'`.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
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
import { type WebSocket, WebSocketServer } from 'ws'
import {
  isWildcard,
  socketAddressToMultiaddr,
  toWebSocketTarget,
  type WebSocketSuffix,
  wildcardAddresses,
} from './addresses.js'
import { CloseCode } from './close-codes.js'
import { WebSocketConnection } from './connection.js'
import { NodeSocketDriver } from './node-driver.js'
import type { ResolvedInit } from './options.js'

export interface WebSocketListenerInit {
  upgrader: Upgrader
  logger: ComponentLogger
  options: ResolvedInit
}

let nextListenerId = 0

export class WebSocketListener extends TypedEventEmitter<ListenerEvents> implements Listener {
  private readonly upgrader: Upgrader
  private readonly options: ResolvedInit
  private readonly log: Logger
  private readonly id = nextListenerId++
  private readonly connections = new Set<WebSocketConnection>()
  private readonly shutdown = new AbortController()
  private readonly wss: WebSocketServer
  private server?: Server
  private bound?: { host: string; address: AddressInfo; suffix: WebSocketSuffix }
  private closing?: Promise<void>
  private nextConnectionId = 0

  constructor(init: WebSocketListenerInit) {
    super()
    this.upgrader = init.upgrader
    this.options = init.options
    this.log = init.logger.forComponent(`weft:websocket:listener:${this.id}`)
    // every inbound upgrade listens on this signal
    setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.options.maxPayload,
      skipUTF8Validation: true,
    })
  }

  async listen(ma: Multiaddr): Promise<void> {
    if (this.closing != null) throw new ListenError(`cannot listen on ${ma}: the listener is closed`)
    if (this.server != null) {
      throw new ListenError(`cannot listen on ${ma}: already listening on ${this.getAddrs()[0]}`)
    }
    const target = toWebSocketTarget(ma, { dialing: false })
    const tls = this.options.https
    if (target.secure && tls == null) {
      throw new ListenError(`cannot listen on ${ma}: /wss needs a certificate and key (the https option)`)
    }
    let server: Server
    try {
      server = target.secure ? createHttpsServer(tls as object) : createHttpServer()
    } catch (err) {
      throw new ListenError(
        `cannot listen on ${ma}: invalid TLS certificate or key: ${(err as Error).message}`,
      )
    }
    server.headersTimeout = this.options.handshakeTimeout
    server.requestTimeout = this.options.handshakeTimeout
    server.maxConnections = this.options.maxConnections
    server.on('request', (req: IncomingMessage, res: ServerResponse) => refuse(req, res))
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    )
    // TLS handshakes that fail, or clients that send garbage, affect only their socket
    server.on('clientError', (err: Error, socket: Socket) => {
      this.log.trace('client error: %s', err.message)
      socket.destroy()
    })
    server.on('tlsClientError', (err: Error, socket: Socket) => {
      this.log.trace('TLS client error: %s', err.message)
      socket.destroy()
    })
    this.server = server
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host: target.host, port: target.port, backlog: this.options.backlog }, () => {
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
    this.bound = { host: target.host, address: server.address() as AddressInfo, suffix: target.suffix }
    this.log(
      'listening on %s port %d (%s)',
      this.bound.address.address,
      this.bound.address.port,
      target.suffix,
    )
    this.safeDispatchEvent('listening')
  }

  getAddrs(): Multiaddr[] {
    const bound = this.bound
    if (bound == null) return []
    const { address, port } = bound.address
    if (isWildcard(bound.host)) {
      return wildcardAddresses(bound.host, port, bound.suffix, networkInterfaces(), {
        dualStack: bound.host !== '0.0.0.0',
      })
    }
    return [socketAddressToMultiaddr(address, port, bound.suffix)]
  }

  /** WebSocket addresses carry nothing learnt at run time: nothing to amend. */
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
    // connections still in the HTTP handshake hold the server open
    server?.closeIdleConnections()
    await Promise.all(
      [...this.connections].map(async (connection) => {
        try {
          await connection.close({ code: CloseCode.GOING_AWAY, reason: 'listener closed' })
        } catch (err) {
          connection.abort(err as Error)
        }
      }),
    )
    server?.closeAllConnections()
    await serverClosed
    this.wss.close()
    this.bound = undefined
    this.log('closed')
    this.safeDispatchEvent('close')
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const { remoteAddress, remotePort } = req.socket
    if (this.closing != null || remoteAddress == null || remotePort == null) {
      socket.destroy()
      return
    }
    if (this.connections.size >= this.options.maxConnections) {
      this.log('refusing a WebSocket from %s: %d connections open', remoteAddress, this.connections.size)
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    this.wss.handleUpgrade(req, socket, head, (websocket: WebSocket) => {
      this.onWebSocket(websocket, remoteAddress, remotePort)
    })
  }

  private onWebSocket(websocket: WebSocket, remoteAddress: string, remotePort: number): void {
    const options = this.options
    if (this.closing != null || this.bound == null) {
      websocket.close(CloseCode.GOING_AWAY, 'listener closed')
      websocket.terminate()
      return
    }
    const connection = new WebSocketConnection({
      driver: new NodeSocketDriver(websocket, options.maxPayload),
      remoteAddr: socketAddressToMultiaddr(remoteAddress, remotePort, this.bound.suffix),
      direction: 'inbound',
      log: this.log.newScope(`conn:${this.nextConnectionId++}`),
      inactivityTimeout: options.inboundSocketInactivityTimeout,
      closeTimeout: options.closeTimeout,
      maxBufferedAmount: options.maxBufferedAmount,
      bufferedAmountPollInterval: options.bufferedAmountPollInterval,
      maxMessageSize: options.maxMessageSize,
      maxPayload: options.maxPayload,
      maxReadBufferLength: options.maxReadBufferLength,
      maxWriteBufferLength: options.maxWriteBufferLength,
    })
    this.connections.add(connection)
    connection.addEventListener('close', () => this.connections.delete(connection), { once: true })
    void this.upgrade(connection)
  }

  private async upgrade(connection: WebSocketConnection): Promise<void> {
    await upgradeInbound(this.upgrader, connection, {
      shutdown: this.shutdown.signal,
      log: this.log,
    })
  }
}

/** Answers a plain HTTP request: only WebSocket upgrades are served here. */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  res.writeHead(426, { Connection: 'close', Upgrade: 'websocket', 'Content-Type': 'text/plain' })
  res.end('this is a libp2p WebSocket endpoint: connect with a WebSocket\n')
}
