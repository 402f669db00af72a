/**
 * The TCP `Transport`: dials with node:net and hands the connected socket to
 * `upgrader.upgradeOutbound`; creates `TcpListener`s.
 */
import { connect, type Socket } from 'node:net'
import {
  type ComponentLogger,
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  InvalidMultiaddrError,
  type Listener,
  type Logger,
  type OutboundConnectionUpgradeEvents,
  type Transport,
  transportSymbol,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, throwIfAborted, upgradeOutbound } from '@weft/utils'
import { isDialable, isListenable, type SocketTarget, toSocketTarget } from './addresses.js'
import { resolveConfig, type TcpConfig, type TcpInit } from './config.js'
import { TcpConnection } from './connection.js'
import { DialError } from './errors.js'
import { type SocketOptions, TcpListener } from './listener.js'

export interface TcpComponents {
  logger: ComponentLogger
}

/** The progress event a TCP dial reports before connecting, shaped as progress-events' `ProgressEvent`. */
export interface TcpOpenConnectionEvent {
  type: 'tcp:open-connection'
  detail: undefined
}

export type TcpDialEvents = OutboundConnectionUpgradeEvents | TcpOpenConnectionEvent

/**
 * Dial options beyond the interface's. `localPort` binds the socket before it
 * connects (libuv sets SO_REUSEADDR, so a port already used by other
 * *connected* sockets may be shared; a listening port may not on Node 20):
 * DCUtR dials from the port whose NAT mapping the peer was told about.
 */
export interface TcpDialOptions extends DialTransportOptions<TcpDialEvents> {
  localPort?: number
  localAddress?: string
}

let nextDialId = 0

export class TcpTransport implements Transport<TcpDialEvents> {
  readonly [Symbol.toStringTag] = '@weft/tcp'
  readonly [transportSymbol] = true as const
  private readonly config: TcpConfig
  private readonly components: TcpComponents
  private readonly log: Logger

  constructor(init: TcpInit, components: TcpComponents) {
    this.config = resolveConfig(init)
    this.components = components
    this.log = components.logger.forComponent('weft:tcp')
  }

  async dial(ma: Multiaddr, options: TcpDialOptions): Promise<Connection> {
    throwIfAborted(options.signal)
    const target = toSocketTarget(ma, { allowNames: true })
    if (target.port === 0) throw new InvalidMultiaddrError(`cannot dial port 0 in ${ma}`)
    options.onProgress?.({ type: 'tcp:open-connection', detail: undefined })
    let { localPort, localAddress } = options
    if (localAddress == null && this.config.shareDialPorts && !target.isName) {
      localAddress = target.family === 6 ? '::' : '0.0.0.0'
    }
    const socket = await this.connect(ma, target, options.signal, localPort, localAddress)
    const socketOptions = this.socketOptions(this.config.outboundSocketInactivityTimeout)
    const connection = new TcpConnection({
      socket,
      remoteAddr: ma,
      direction: 'outbound',
      log: this.log.newScope(`dial:${nextDialId++}`),
      inactivityTimeout: socketOptions.inactivityTimeout,
      closeTimeout: socketOptions.closeTimeout,
      allowHalfOpen: socketOptions.allowHalfOpen,
      maxReadBufferLength: socketOptions.maxReadBufferLength,
      maxWriteBufferLength: socketOptions.maxWriteBufferLength,
    })
    const { upgrader, localPort: _port, localAddress: _address, ...upgradeOptions } = options
    return upgradeOutbound(upgrader, connection, upgradeOptions)
  }

  createListener(options: CreateListenerOptions): Listener {
    return new TcpListener({
      upgrader: options.upgrader,
      logger: this.components.logger,
      socket: this.socketOptions(this.config.inboundSocketInactivityTimeout),
      maxConnections: this.config.maxConnections,
      backlog: this.config.backlog,
    })
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isListenable)

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isDialable)

  private socketOptions(inactivityTimeout: number): SocketOptions {
    return {
      inactivityTimeout,
      closeTimeout: this.config.closeTimeout,
      allowHalfOpen: this.config.allowHalfOpen,
      noDelay: this.config.noDelay,
      keepAlive: this.config.keepAlive,
      maxReadBufferLength: this.config.maxReadBufferLength,
      maxWriteBufferLength: this.config.maxWriteBufferLength,
    }
  }

  /** Opens the socket; rejects with the signal's reason or a `DialError`. */
  private async connect(
    ma: Multiaddr,
    target: SocketTarget,
    signal: AbortSignal | undefined,
    localPort?: number,
    localAddress?: string,
  ): Promise<Socket> {
    const deadline = anySignal([signal], this.config.dialTimeout)
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect({
          host: target.host,
          port: target.port,
          family: target.isName ? target.family : undefined,
          noDelay: this.config.noDelay,
          keepAlive: this.config.keepAlive,
          allowHalfOpen: true,
          localPort,
          localAddress,
        })
        const cleanup = (): void => {
          socket.off('connect', onConnect)
          socket.off('error', onError)
          deadline.removeEventListener('abort', onAbort)
        }
        const onConnect = (): void => {
          cleanup()
          resolve(socket)
        }
        const onError = (err: NodeJS.ErrnoException): void => {
          cleanup()
          socket.destroy()
          reject(toDialError(ma, err))
        }
        const onAbort = (): void => {
          cleanup()
          socket.destroy()
          this.log('dial to %a aborted: %s', ma, (deadline.reason as Error)?.message)
          reject(deadline.reason)
        }
        socket.once('connect', onConnect)
        socket.once('error', onError)
        if (deadline.aborted) onAbort()
        else deadline.addEventListener('abort', onAbort, { once: true })
      })
    } finally {
      deadline.clear()
    }
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed',
  EADDRNOTAVAIL: 'address not available',
}

function toDialError(ma: Multiaddr, err: NodeJS.ErrnoException): DialError {
  const code = err.code
  const reason = code != null && REASONS[code] != null ? `${REASONS[code]} (${code})` : err.message
  return new DialError(ma.toString(), reason, { code, cause: err })
}
