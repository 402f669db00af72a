/**
 * A node:net socket as a @libp2p/interface `MultiaddrConnection`.
 *
 * - `send` writes straight to the socket; when the socket's buffer is over its
 *   high-water mark the connection reports back-pressure until `'drain'`.
 * - Reading pauses the socket (real TCP flow control: the kernel window fills
 *   and the remote's writes stall) while the stream is paused, and while
 *   unread bytes pile up because nobody listens yet.
 * - The remote's FIN is `remoteCloseWrite`. Unless `allowHalfOpen`, the
 *   connection then closes its own side after queued bytes, as a raw libp2p
 *   connection has no use for a half-open socket and js-libp2p muxers wait for
 *   `'close'`.
 * - `close()` ends the socket after queued bytes and waits for the remote's
 *   FIN; after `closeTimeout` ms the socket is destroyed. `abort()` resets it.
 */
import type { Socket } from 'node:net'
import type { AbortOptions, Logger, MessageStreamEvents } from '@libp2p/interface'
import { StreamStateError, TimeoutError } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { AbstractMultiaddrConnection, anySignal, deferred, raceSignal, type SendResult } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface TcpConnectionInit {
  socket: Socket
  remoteAddr: Multiaddr
  direction: 'inbound' | 'outbound'
  log: Logger
  /** ms without traffic before the socket is destroyed; 0 disables */
  inactivityTimeout: number
  /** ms a graceful close may take before the socket is destroyed */
  closeTimeout: number
  /** keep the connection writable after the remote's FIN */
  allowHalfOpen: boolean
  maxReadBufferLength?: number
  maxWriteBufferLength?: number
}

/** errno codes that mean the remote reset the connection */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE'])

export class TcpConnection extends AbstractMultiaddrConnection {
  /** the underlying socket, for options this class does not cover (keep-alive, TOS) */
  readonly socket: Socket

  /** Our end of the socket (`/ip4|ip6/<address>/tcp/<port>`), or undefined once it is gone. */
  get localAddr(): Multiaddr | undefined {
    const { localAddress, localPort, localFamily } = this.socket
    if (localAddress == null || localPort == null) return undefined
    return multiaddr(`/${localFamily === 'IPv6' ? 'ip6' : 'ip4'}/${localAddress}/tcp/${localPort}`)
  }
  private readonly closeTimeout: number
  private readonly allowHalfOpen: boolean
  /** unread bytes at which the socket is paused while nobody reads */
  private readonly readHighWater: number
  private readonly socketClosed = deferred<void>()
  private readonly finished = deferred<void>()

  constructor(init: TcpConnectionInit) {
    super({
      log: init.log,
      direction: init.direction,
      remoteAddr: init.remoteAddr,
      inactivityTimeout: init.inactivityTimeout,
      maxReadBufferLength: init.maxReadBufferLength,
      maxWriteBufferLength: init.maxWriteBufferLength,
    })
    this.socket = init.socket
    this.closeTimeout = init.closeTimeout
    this.allowHalfOpen = init.allowHalfOpen
    this.readHighWater = Math.max(1, Math.floor(this.maxReadBufferLength / 2))
    this.addEventListener('close', () => this.finished.resolve(), { once: true })

    const socket = this.socket
    socket.on('data', (data: Buffer) => this.onSocketData(data))
    socket.on('drain', () => {
      if (this.writableNeedsDrain) this.onDrained()
    })
    socket.on('end', () => this.onSocketEnd())
    socket.on('error', (err: NodeJS.ErrnoException) => this.onSocketError(err))
    socket.on('close', () => this.onSocketClose())
    if (init.inactivityTimeout > 0) {
      socket.setTimeout(init.inactivityTimeout)
      socket.on('timeout', () => {
        this.log('no traffic for %d ms, destroying the socket', init.inactivityTimeout)
        this.abort(new TimeoutError(`no traffic for ${init.inactivityTimeout} ms`))
      })
    }
  }

  /**
   * Ends the socket after every queued byte and waits for the remote's FIN.
   * The whole close is bounded by `closeTimeout` (and `options.signal`).
   * Calling it again while closing waits for the same close.
   */
  override async close(options: AbortOptions = {}): Promise<void> {
    if (this.status === 'closing') {
      await raceSignal(this.finished.promise, options.signal)
      return
    }
    if (this.status !== 'open') return
    const deadline = anySignal([options.signal], this.closeTimeout)
    try {
      await super.close({ ...options, signal: deadline })
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
    const socket = this.socket
    if (!socket.writable) {
      throw new StreamStateError(`cannot write to ${this.remoteAddr}: the socket is no longer writable`)
    }
    const chunks = data[Symbol.iterator]()
    const first = chunks.next()
    if (first.done === true) return { sentBytes: 0, canSendMore: true }
    const second = chunks.next()
    if (second.done === true) return { sentBytes: data.byteLength, canSendMore: socket.write(first.value) }
    // a batch of small chunks (frame headers, payloads) goes out in one writev
    socket.cork()
    socket.write(first.value)
    let canSendMore = socket.write(second.value)
    for (let next = chunks.next(); next.done !== true; next = chunks.next())
      canSendMore = socket.write(next.value)
    socket.uncork()
    return { sentBytes: data.byteLength, canSendMore }
  }

  protected sendReset(): void {
    const socket = this.socket
    if (socket.destroyed) return
    // Once our FIN is queued the kernel refuses a reset (EINVAL) and Node then
    // never closes the handle: plain destroy in that case.
    if (socket.writableEnded || socket.connecting) {
      socket.destroy()
      return
    }
    try {
      // RST rather than FIN: the remote learns the connection was aborted
      socket.resetAndDestroy()
    } catch {
      socket.destroy()
    }
  }

  protected async sendClose(options?: AbortOptions): Promise<void> {
    const socket = this.socket
    if (socket.destroyed) return
    socket.end()
    try {
      await raceSignal(this.socketClosed.promise, options?.signal)
    } catch (err) {
      // Every byte was handed to the kernel, which still delivers it after the
      // descriptor closes; only the remote's FIN is missing. Drop the socket
      // and call the close complete.
      this.log('remote did not close in time (%s), destroying the socket', (err as Error).message)
      socket.destroy()
      // destroy() always ends in 'close'; the bound only guards against a Node bug
      await raceSignal(this.socketClosed.promise, AbortSignal.timeout(1_000)).catch(() => {})
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
    const socket = this.socket
    if (socket.destroyed) return
    const flow = this.readStatus !== 'paused' && this.readBuffer.byteLength < this.readHighWater
    if (flow && socket.isPaused()) socket.resume()
    else if (!flow && !socket.isPaused()) socket.pause()
  }

  private onSocketData(data: Buffer): void {
    this.onData(data)
    if (this.readBuffer.byteLength >= this.readHighWater) this.updateFlow()
  }

  private onSocketEnd(): void {
    this.log.trace('remote closed its writable end')
    this.onRemoteCloseWrite()
    if (!this.allowHalfOpen && this.status === 'open') {
      this.close().catch((err: Error) =>
        this.log.error('closing after the remote FIN failed: %s', err.message),
      )
    }
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    this.log('socket error: %s', err.message)
    if (err.code != null && RESET_CODES.has(err.code)) this.onRemoteReset()
    else this.abort(err)
  }

  private onSocketClose(): void {
    this.socketClosed.resolve()
    // while closing, sendClose is waiting for this; otherwise the socket went
    // away under us (destroyed by its owner, or after an error already handled)
    if (this.status === 'open') this.onTransportClosed()
  }
}
