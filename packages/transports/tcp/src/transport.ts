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
import { TcpConnection } from './connection.js'
import { DialError } from './errors.js'
import { type SocketOptions, TcpListener } from './listener.js'

export interface TcpInit {
  /** ms without traffic before an accepted socket is destroyed; 0 disables (default 120 000) */
  inboundSocketInactivityTimeout?: number
  /** ms without traffic before a dialled socket is destroyed; 0 disables (default 120 000) */
  outboundSocketInactivityTimeout?: number
  /** ms a graceful `close()` may take before the socket is destroyed (default 500) */
  closeTimeout?: number
  /** ms to establish the TCP connection (default 10 000); the dial's `signal` applies too */
  dialTimeout?: number
  /** sockets a listener holds at once; more are refused by the server (default 10 000) */
  maxConnections?: number
  /** length of the kernel's queue of pending connections (default: Node's, 511) */
  backlog?: number
  /** disable Nagle's algorithm (default true: latency matters more than packet count) */
  noDelay?: boolean
  /** enable TCP keep-alive probes (default false) */
  keepAlive?: boolean
  /** stay writable after the remote's FIN instead of closing (default false) */
  allowHalfOpen?: boolean
  /** unread bytes a connection buffers before it aborts (default @weft/utils', 4 MiB) */
  maxReadBufferLength?: number
  /** unsent bytes a connection buffers before it aborts (default unlimited: callers honour `send()`) */
  maxWriteBufferLength?: number
  /**
   * bind every dialled socket (to the wildcard address, port 0) before
   * connecting, which makes libuv set SO_REUSEADDR on it, so a later dial with
   * `localPort` may share its port: DCUtR's TCP simultaneous open (default true)
   */
  shareDialPorts?: boolean
}

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

const DEFAULT_INACTIVITY_TIMEOUT = 120_000
const DEFAULT_CLOSE_TIMEOUT = 500
const DEFAULT_DIAL_TIMEOUT = 10_000
const DEFAULT_MAX_CONNECTIONS = 10_000

let nextDialId = 0

export class TcpTransport implements Transport<TcpDialEvents> {
  readonly [Symbol.toStringTag] = '@weft/tcp'
  readonly [transportSymbol] = true as const
  private readonly init: TcpInit
  private readonly components: TcpComponents
  private readonly log: Logger

  constructor(init: TcpInit, components: TcpComponents) {
    this.init = init
    this.components = components
    this.log = components.logger.forComponent('weft:tcp')
  }

  async dial(ma: Multiaddr, options: TcpDialOptions): Promise<Connection> {
    throwIfAborted(options.signal)
    const target = toSocketTarget(ma, { allowNames: true })
    if (target.port === 0) throw new InvalidMultiaddrError(`cannot dial port 0 in ${ma}`)
    options.onProgress?.({ type: 'tcp:open-connection', detail: undefined })
    let { localPort, localAddress } = options
    if (localAddress == null && (this.init.shareDialPorts ?? true) && !target.isName) {
      localAddress = target.family === 6 ? '::' : '0.0.0.0'
    }
    const socket = await this.connect(ma, target, options.signal, localPort, localAddress)
    const socketOptions = this.socketOptions(this.init.outboundSocketInactivityTimeout)
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
      socket: this.socketOptions(this.init.inboundSocketInactivityTimeout),
      maxConnections: this.init.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      backlog: this.init.backlog,
    })
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isListenable)

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isDialable)

  private socketOptions(inactivityTimeout: number | undefined): SocketOptions {
    return {
      inactivityTimeout: inactivityTimeout ?? DEFAULT_INACTIVITY_TIMEOUT,
      closeTimeout: this.init.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT,
      allowHalfOpen: this.init.allowHalfOpen ?? false,
      noDelay: this.init.noDelay ?? true,
      keepAlive: this.init.keepAlive ?? false,
      maxReadBufferLength: this.init.maxReadBufferLength,
      maxWriteBufferLength: this.init.maxWriteBufferLength,
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
    const deadline = anySignal([signal], this.init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT)
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect({
          host: target.host,
          port: target.port,
          family: target.isName ? target.family : undefined,
          noDelay: this.init.noDelay ?? true,
          keepAlive: this.init.keepAlive ?? false,
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
