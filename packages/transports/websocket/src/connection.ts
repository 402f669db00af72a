/**
 * A WebSocket as a @libp2p/interface `MultiaddrConnection`. The bytes of the
 * connection are the concatenated payloads of binary messages (libp2p/specs
 * websockets/README.md); message boundaries mean nothing.
 *
 * - Sending: each write becomes one message (small batches are joined, large
 *   ones go chunk by chunk without copying), at most `maxMessageSize` bytes.
 *   Above `maxBufferedAmount` unsent bytes `send()` returns false; `'drain'`
 *   follows once half of them left (Node reports each write; browsers are
 *   polled every `bufferedAmountPollInterval` ms while back-pressured).
 * - Receiving: a paused reader, or unread bytes piling up, pauses the socket
 *   where the platform allows it (Node); browsers cannot pause a WebSocket,
 *   so there the read buffer limit is the bound. Messages above `maxPayload`
 *   and text messages abort the connection (close codes 1009 and 1003).
 * - Closing: `close()` sends close code 1000 (a listener shutting down sends
 *   1001) after queued bytes and waits for the remote's close, bounded by
 *   `closeTimeout`. The remote's 1000/1001/1005 is a clean close; any other
 *   code, or none, is a reset. `abort()` sends 4000 (or the code of its
 *   error) and drops the socket if the remote does not answer in time.
 */
import type { AbortOptions, Logger, MessageStreamEvents } from '@libp2p/interface'
import { InvalidMessageError, StreamResetError, StreamStateError, TimeoutError } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  AbstractMultiaddrConnection,
  anySignal,
  deferred,
  MessageTooLargeError,
  raceSignal,
  type SendResult,
} from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { CloseCode, closeCodeFor, closeReason, describeCloseCode, isCleanClose } from './close-codes.js'
import type { SocketDriver } from './socket-driver.js'

/** Writes of several chunks up to this size are joined into one message. */
const JOIN_BELOW = 16 * 1024

export interface WebSocketConnectionInit {
  driver: SocketDriver
  remoteAddr: Multiaddr
  direction: 'inbound' | 'outbound'
  log: Logger
  /** ms without traffic before the connection is aborted; 0 disables */
  inactivityTimeout: number
  /** ms a graceful close may take before the socket is dropped */
  closeTimeout: number
  /** unsent bytes above which `send()` reports back-pressure */
  maxBufferedAmount: number
  /** ms between looks at `bufferedAmount` while back-pressured, for drivers that do not report writes */
  bufferedAmountPollInterval: number
  /** largest message sent */
  maxMessageSize: number
  /** largest message accepted (checked here too, for drivers that cannot enforce it) */
  maxPayload: number
  maxReadBufferLength?: number
  maxWriteBufferLength?: number
}

export interface WebSocketCloseOptions extends AbortOptions {
  /** the close code sent (default 1000) */
  code?: number
  /** the close reason sent (default empty; cut to 123 bytes) */
  reason?: string
}

export class WebSocketConnection extends AbstractMultiaddrConnection {
  private readonly driver: SocketDriver
  private readonly closeTimeout: number
  private readonly maxBufferedAmount: number
  private readonly drainedBelow: number
  private readonly pollInterval: number
  private readonly maxPayload: number
  /** unread bytes at which the socket is paused while nobody reads */
  private readonly readHighWater: number
  private readonly socketClosed = deferred<void>()
  private readonly finished = deferred<void>()
  private socketOpen = true
  /** our close frame went out: the socket's close answers it */
  private closeSent = false
  private flowing = true
  private closeCode: number = CloseCode.NORMAL
  private closeReasonText = ''
  /** the code an abort sends, when not derived from its error */
  private resetCode?: number
  /** messages in and out, for the inactivity check */
  private activity = 0
  /** `bufferedAmount` at the last poll */
  private polledAmount = 0
  /** idle looks in a row that saw no traffic */
  private idleChecks = 0
  private pollTimer?: ReturnType<typeof setTimeout>
  private idleTimer?: ReturnType<typeof setTimeout>
  private killTimer?: ReturnType<typeof setTimeout>

  constructor(init: WebSocketConnectionInit) {
    super({
      log: init.log,
      direction: init.direction,
      remoteAddr: init.remoteAddr,
      inactivityTimeout: init.inactivityTimeout,
      maxReadBufferLength: init.maxReadBufferLength,
      maxWriteBufferLength: init.maxWriteBufferLength,
      maxMessageSize: init.maxMessageSize,
    })
    this.driver = init.driver
    this.closeTimeout = init.closeTimeout
    this.maxBufferedAmount = init.maxBufferedAmount
    this.drainedBelow = Math.floor(init.maxBufferedAmount / 2)
    this.pollInterval = init.bufferedAmountPollInterval
    this.maxPayload = init.maxPayload
    this.readHighWater = Math.max(1, Math.floor(this.maxReadBufferLength / 2))
    this.addEventListener(
      'close',
      () => {
        this.finished.resolve()
        this.clearTimer('pollTimer')
        this.clearTimer('idleTimer')
      },
      { once: true },
    )
    this.driver.attach({
      onMessage: (data) => this.onSocketMessage(data),
      onInvalidMessage: (what) =>
        this.abort(new InvalidMessageError(`expected binary WebSocket messages, got ${what}`)),
      onWritten: () => this.onSocketWritten(),
      onError: (err) => this.onSocketError(err),
      onClose: (code, reason) => this.onSocketClose(code, reason),
    })
    if (init.inactivityTimeout > 0) this.armIdleTimer(this.activity)
  }

  /**
   * Sends every queued byte, then a close frame (`options.code`, default
   * 1000), and waits for the remote's. The whole close is bounded by
   * `closeTimeout` (and `options.signal`); after it the socket is dropped.
   * Calling it again while closing waits for the same close.
   */
  override async close(options: WebSocketCloseOptions = {}): Promise<void> {
    if (this.status === 'closing') {
      await raceSignal(this.finished.promise, options.signal)
      return
    }
    if (this.status !== 'open') return
    this.closeCode = options.code ?? CloseCode.NORMAL
    this.closeReasonText = closeReason(options.reason ?? '')
    const deadline = anySignal([options.signal], this.closeTimeout)
    try {
      await super.close({ signal: deadline })
    } finally {
      deadline.clear()
    }
  }

  override addEventListener<K extends keyof MessageStreamEvents>(
    type: K,
    listener: ((evt: MessageStreamEvents[K]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options)
    // the base class hands buffered bytes to a new reader in a microtask;
    // look again after it whether the socket may flow
    if (type === 'message' && this.readBuffer.byteLength > 0) queueMicrotask(() => this.updateFlow())
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    const driver = this.driver
    if (!driver.isOpen) {
      if (this.socketOpen && !this.closeSent) {
        // The remote's close frame came in and the socket's close follows:
        // these bytes have nowhere to go. Hold the writer until that close
        // (which rejects its wait for drain) rather than fail it now.
        this.log.trace('dropping %d bytes: the remote is closing', data.byteLength)
        this.armKillTimer()
        return { sentBytes: data.byteLength, canSendMore: false }
      }
      throw new StreamStateError(`cannot write to ${this.remoteAddr}: the WebSocket is closed`)
    }
    this.activity++
    const chunks = data[Symbol.iterator]()
    const first = chunks.next()
    if (first.done === true) return { sentBytes: 0, canSendMore: true }
    const second = chunks.next()
    if (second.done === true) {
      driver.send(first.value)
    } else if (data.byteLength <= JOIN_BELOW) {
      // a muxer's header and a small payload: one message, not two
      driver.send(data.subarray())
    } else {
      driver.send(first.value)
      driver.send(second.value)
      for (let next = chunks.next(); next.done !== true; next = chunks.next()) driver.send(next.value)
    }
    const canSendMore = driver.bufferedAmount < this.maxBufferedAmount
    if (!canSendMore && !driver.reportsWrites) this.schedulePoll()
    return { sentBytes: data.byteLength, canSendMore }
  }

  protected sendReset(err: Error): void {
    if (!this.socketOpen) return
    const code = this.resetCode ?? closeCodeFor(err)
    this.closeSent = true
    try {
      this.driver.close(code, closeReason(err.name))
    } catch (closeErr) {
      this.log('could not send close code %d: %s', code, (closeErr as Error).message)
      this.driver.terminate()
    }
    this.armKillTimer()
  }

  /** A close handshake may not complete (the remote is gone, or stuck): drop the socket after `closeTimeout`. */
  private armKillTimer(): void {
    this.killTimer ??= setTimeout(() => {
      this.killTimer = undefined
      if (this.socketOpen) this.driver.terminate()
    }, this.closeTimeout)
  }

  protected async sendClose(options?: AbortOptions): Promise<void> {
    if (!this.socketOpen) return
    this.closeSent = true
    this.driver.close(this.closeCode, this.closeReasonText)
    try {
      await raceSignal(this.socketClosed.promise, options?.signal)
    } catch (err) {
      // Our bytes and close frame were handed on; only the remote's answer
      // is missing. Drop the socket and call the close complete.
      this.log('remote did not answer the close in time (%s), dropping the socket', (err as Error).message)
      this.driver.terminate()
      const bound = anySignal([], 1_000)
      await raceSignal(this.socketClosed.promise, bound).catch(() => {})
      bound.clear()
    }
  }

  protected override sendPause(): void {
    this.updateFlow()
  }

  protected override sendResume(): void {
    this.updateFlow()
    // bytes buffered while paused are handed out in a microtask: look again after it
    if (this.readBuffer.byteLength > 0) queueMicrotask(() => this.updateFlow())
  }

  /** Reads from the socket only while someone takes the bytes. */
  private updateFlow(): void {
    if (!this.socketOpen) return
    const flow = this.readStatus !== 'paused' && this.readBuffer.byteLength < this.readHighWater
    if (flow === this.flowing) return
    this.flowing = flow
    if (flow) this.driver.resume()
    else this.driver.pause()
  }

  private onSocketMessage(data: Uint8Array): void {
    this.activity++
    if (data.byteLength > this.maxPayload) {
      this.abort(
        new MessageTooLargeError(
          data.byteLength,
          this.maxPayload,
          `WebSocket message of ${data.byteLength} bytes exceeds the limit of ${this.maxPayload} bytes`,
        ),
      )
      return
    }
    this.onData(data)
    if (this.readBuffer.byteLength >= this.readHighWater) this.updateFlow()
  }

  private onSocketWritten(): void {
    this.activity++
    if (this.writableNeedsDrain && this.driver.bufferedAmount <= this.drainedBelow) this.onDrained()
  }

  private onSocketError(err: Error): void {
    this.log('socket error: %s', err.message)
    this.abort(err)
  }

  private onSocketClose(code: number, reason: string): void {
    this.socketOpen = false
    this.clearTimer('killTimer')
    this.clearTimer('pollTimer')
    this.socketClosed.resolve()
    this.log.trace('socket closed with code %s', describeCloseCode(code))
    // our close frame went out first: sendClose is waiting for this
    if (this.closeSent) return
    if (this.status !== 'open' && this.status !== 'closing') return
    if (isCleanClose(code)) {
      this.onRemoteCloseWrite()
      this.onTransportClosed()
      return
    }
    const why = reason === '' ? '' : `: ${reason}`
    this.onRemoteReset(
      new StreamResetError(`the remote closed the WebSocket with code ${describeCloseCode(code)}${why}`),
    )
  }

  /** Re-checks the backlog of unsent bytes until half of it left. */
  private schedulePoll(): void {
    if (this.pollTimer != null) return
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined
      if (!this.writableNeedsDrain || !this.socketOpen) return
      const buffered = this.driver.bufferedAmount
      // bytes leaving count as traffic for the inactivity check
      if (buffered !== this.polledAmount) this.activity++
      this.polledAmount = buffered
      if (buffered <= this.drainedBelow) this.onDrained()
      if (this.writableNeedsDrain) this.schedulePoll()
    }, this.pollInterval)
  }

  /**
   * Looks every half timeout whether anything moved (a message in or out, or
   * sent bytes leaving): nothing over two looks in a row (between one and one
   * and a half timeouts) aborts, as a stalled socket's timeout does in TCP.
   * One timer per connection, none per message.
   */
  private armIdleTimer(seen: number): void {
    this.idleTimer = setTimeout(
      () => {
        this.idleTimer = undefined
        if (this.status !== 'open' && this.status !== 'closing') return
        if (this.activity === seen) {
          if (this.idleChecks++ >= 1) {
            this.log('no traffic for %d ms, aborting', this.inactivityTimeout)
            this.resetCode = CloseCode.IDLE_TIMEOUT
            this.abort(new TimeoutError(`no WebSocket traffic for ${this.inactivityTimeout} ms`))
            return
          }
        } else {
          this.idleChecks = 0
        }
        this.armIdleTimer(this.activity)
      },
      Math.max(1, Math.floor(this.inactivityTimeout / 2)),
    )
  }

  private clearTimer(name: 'pollTimer' | 'idleTimer' | 'killTimer'): void {
    const timer = this[name]
    if (timer != null) clearTimeout(timer)
    this[name] = undefined
  }
}
