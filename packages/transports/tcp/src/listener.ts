/**
 * A TCP `Listener`: a node:net server whose accepted sockets become
 * `TcpConnection`s handed to `upgrader.upgradeInbound`, which bounds the
 * upgrade and aborts that one socket when it fails; the listener carries on.
 * `close()` stops accepting, closes every accepted socket (each bounded by
 * its close timeout) and waits for the server handle to go before emitting
 * `'close'`. What all listeners share is `ListenerBase` (@weft/utils).
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { ComponentLogger, Upgrader } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { closeServer, ListenerBase } from '@weft/utils'
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

export class TcpListener extends ListenerBase<TcpConnection> {
  private readonly init: TcpListenerInit
  private server?: Server
  private bound?: { host: string; address: AddressInfo }

  // maxConnections is the server's own: node:net drops the sockets above it
  constructor(init: TcpListenerInit) {
    super({ transport: 'tcp', upgrader: init.upgrader, logger: init.logger })
    this.init = init
  }

  async listen(ma: Multiaddr): Promise<void> {
    this.checkCanListen(ma, this.server != null)
    const target = toSocketTarget(ma, { allowNames: false })
    const { noDelay, keepAlive } = this.init.socket
    const server = createServer({ allowHalfOpen: true, noDelay, keepAlive }, (socket) =>
      this.onSocket(socket),
    )
    if (this.init.maxConnections != null) server.maxConnections = this.init.maxConnections
    this.server = server
    try {
      await this.bindServer(server, ma, { host: target.host, port: target.port, backlog: this.init.backlog })
    } catch (err) {
      this.server = undefined
      throw err
    }
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

  protected async release(closeConnections: () => Promise<void>): Promise<void> {
    const serverClosed = closeServer(this.server)
    await closeConnections()
    // resolves once every accepted socket handle is gone
    await serverClosed
    this.bound = undefined
  }

  private onSocket(socket: Socket): void {
    const { remoteAddress, remotePort } = socket
    if (this.closed || remoteAddress == null || remotePort == null) {
      // closing, or the peer already left (no address on a dead socket)
      socket.destroy()
      return
    }
    const options = this.init.socket
    this.handOver(
      new TcpConnection({
        socket,
        remoteAddr: socketAddressToMultiaddr(remoteAddress, remotePort),
        direction: 'inbound',
        log: this.connectionLog(),
        inactivityTimeout: options.inactivityTimeout,
        closeTimeout: options.closeTimeout,
        allowHalfOpen: options.allowHalfOpen,
        maxReadBufferLength: options.maxReadBufferLength,
        maxWriteBufferLength: options.maxWriteBufferLength,
      }),
    )
  }
}
