/**
 * A WebSocket `Listener` (Node): an http or https server whose upgrade
 * requests `ws` turns into WebSockets, each wrapped in a
 * `WebSocketConnection` and handed to `upgrader.upgradeInbound`. Plain HTTP
 * requests get `426 Upgrade Required`. The upgrader bounds the libp2p
 * upgrade and aborts that one connection when it fails; the listener carries
 * on. `close()` stops accepting, closes
 * every connection with code 1001 (going away; each bounded by the close
 * timeout), drops half-made HTTP connections, and waits for the server handle
 * to go before emitting `'close'`. What all listeners share is `ListenerBase`
 * (@weft/utils).
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
import { type ComponentLogger, ListenError, type Upgrader } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { closeServer, ListenerBase } from '@weft/utils'
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
import type { WebSocketsConfig } from './options.js'

export interface WebSocketListenerInit {
  upgrader: Upgrader
  logger: ComponentLogger
  options: WebSocketsConfig
}

export class WebSocketListener extends ListenerBase<WebSocketConnection> {
  private readonly options: WebSocketsConfig
  private readonly wss: WebSocketServer
  private server?: Server
  private bound?: { host: string; address: AddressInfo; suffix: WebSocketSuffix }

  constructor(init: WebSocketListenerInit) {
    super({
      transport: 'websocket',
      upgrader: init.upgrader,
      logger: init.logger,
      maxConnections: init.options.maxConnections,
    })
    this.options = init.options
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.options.maxPayload,
      skipUTF8Validation: true,
    })
  }

  async listen(ma: Multiaddr): Promise<void> {
    this.checkCanListen(ma, this.server != null)
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
      await this.bindServer(server, ma, {
        host: target.host,
        port: target.port,
        backlog: this.options.backlog,
      })
    } catch (err) {
      this.server = undefined
      throw err
    }
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

  protected async release(closeConnections: () => Promise<void>): Promise<void> {
    const server = this.server
    const serverClosed = closeServer(server)
    // connections still in the HTTP handshake hold the server open
    server?.closeIdleConnections()
    await closeConnections()
    server?.closeAllConnections()
    await serverClosed
    this.wss.close()
    this.bound = undefined
  }

  /** Going away: the peer may redial elsewhere. */
  protected override async closeConnection(connection: WebSocketConnection): Promise<void> {
    await connection.close({ code: CloseCode.GOING_AWAY, reason: 'listener closed' })
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const { remoteAddress, remotePort } = req.socket
    if (this.closed || remoteAddress == null || remotePort == null) {
      socket.destroy()
      return
    }
    if (this.isFull) {
      this.log('refusing a WebSocket from %s: %d connections open', remoteAddress, this.connectionCount)
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    this.wss.handleUpgrade(req, socket, head, (websocket: WebSocket) => {
      this.onWebSocket(websocket, remoteAddress, remotePort)
    })
  }

  private onWebSocket(websocket: WebSocket, remoteAddress: string, remotePort: number): void {
    const options = this.options
    if (this.closed || this.bound == null) {
      websocket.close(CloseCode.GOING_AWAY, 'listener closed')
      websocket.terminate()
      return
    }
    this.handOver(
      new WebSocketConnection({
        driver: new NodeSocketDriver(websocket, options.maxPayload),
        remoteAddr: socketAddressToMultiaddr(remoteAddress, remotePort, this.bound.suffix),
        direction: 'inbound',
        log: this.connectionLog(),
        inactivityTimeout: options.inboundSocketInactivityTimeout,
        closeTimeout: options.closeTimeout,
        maxBufferedAmount: options.maxBufferedAmount,
        bufferedAmountPollInterval: options.bufferedAmountPollInterval,
        maxMessageSize: options.maxMessageSize,
        maxPayload: options.maxPayload,
        maxReadBufferLength: options.maxReadBufferLength,
        maxWriteBufferLength: options.maxWriteBufferLength,
      }),
    )
  }
}

/** Answers a plain HTTP request: only WebSocket upgrades are served here. */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  res.writeHead(426, { Connection: 'close', Upgrade: 'websocket', 'Content-Type': 'text/plain' })
  res.end('this is a libp2p WebSocket endpoint: connect with a WebSocket\n')
}
