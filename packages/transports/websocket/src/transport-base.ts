/**
 * What the Node and browser WebSocket transports share: address filters and
 * the dial pipeline (parse, open the socket, wrap it in a
 * `WebSocketConnection`, hand it to the upgrader). Each build supplies how a
 * socket is opened and whether it can listen.
 */
import {
  type Connection,
  type CreateListenerOptions,
  type DialTransportOptions,
  InvalidMultiaddrError,
  type Listener,
  type Logger,
  type Transport,
  transportSymbol,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, throwIfAborted, upgradeOutbound } from '@weft/utils'
import { isDialable, toWebSocketTarget, type WebSocketTarget } from './addresses.js'
import { WebSocketConnection } from './connection.js'
import type { WebSocketsComponents, WebSocketsConfig, WebSocketsDialEvents } from './options.js'
import type { SocketDriver } from './socket-driver.js'

let nextDialId = 0

export abstract class BaseWebSocketTransport implements Transport<WebSocketsDialEvents> {
  readonly [Symbol.toStringTag] = '@weft/websocket'
  readonly [transportSymbol] = true as const
  protected readonly init: WebSocketsConfig
  protected readonly components: WebSocketsComponents
  protected readonly log: Logger

  constructor(init: WebSocketsConfig, components: WebSocketsComponents) {
    this.init = init
    this.components = components
    this.log = components.logger.forComponent('weft:websocket')
  }

  async dial(ma: Multiaddr, options: DialTransportOptions<WebSocketsDialEvents>): Promise<Connection> {
    throwIfAborted(options.signal)
    const target = toWebSocketTarget(ma, { dialing: true })
    if (target.port === 0) throw new InvalidMultiaddrError(`cannot dial port 0 in ${ma}`)
    options.onProgress?.({ type: 'websockets:open-connection', detail: undefined })
    const deadline = anySignal([options.signal], this.init.dialTimeout)
    let driver: SocketDriver
    try {
      driver = await this.openSocket(ma, target, deadline)
    } catch (err) {
      // the deadline's reason (the caller's abort, or our TimeoutError) says more than the socket's
      if (deadline.aborted) throw deadline.reason
      throw err
    } finally {
      deadline.clear()
    }
    const connection = new WebSocketConnection({
      driver,
      remoteAddr: ma,
      direction: 'outbound',
      log: this.log.newScope(`dial:${nextDialId++}`),
      inactivityTimeout: this.init.outboundSocketInactivityTimeout,
      closeTimeout: this.init.closeTimeout,
      maxBufferedAmount: this.init.maxBufferedAmount,
      bufferedAmountPollInterval: this.init.bufferedAmountPollInterval,
      maxMessageSize: this.init.maxMessageSize,
      maxPayload: this.init.maxPayload,
      maxReadBufferLength: this.init.maxReadBufferLength,
      maxWriteBufferLength: this.init.maxWriteBufferLength,
    })
    const { upgrader, ...upgradeOptions } = options
    return upgradeOutbound(upgrader, connection, upgradeOptions)
  }

  abstract createListener(options: CreateListenerOptions): Listener

  abstract listenFilter: (multiaddrs: Multiaddr[]) => Multiaddr[]

  dialFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isDialable)

  /**
   * Opens the WebSocket and resolves once it is open; rejects with a
   * `DialError` (or anything, when `signal` aborted: the caller then throws
   * the signal's reason) and leaves no socket behind.
   */
  protected abstract openSocket(
    ma: Multiaddr,
    target: WebSocketTarget,
    signal: AbortSignal,
  ): Promise<SocketDriver>
}
