/**
 * The secured connection: a `TLSSocket` as a MessageStream, the way @weft/tcp
 * presents a `net.Socket` (the same Node stream underneath).
 *
 * - `send` writes plaintext to the socket; over its high-water mark the
 *   stream reports back-pressure until the socket's `'drain'`.
 * - Reading pauses the socket while the stream is paused or while unread
 *   bytes pile up with nobody listening; the pause travels down to the raw
 *   connection (see duplex.ts) and so to the remote.
 * - The remote's close_notify/end is `remoteCloseWrite`, after which we close
 *   our side too (a libp2p connection has no use for half-open TLS).
 * - `close()` sends close_notify and ends the connection below, bounded by
 *   `closeTimeout`; `abort()` destroys the socket and aborts the connection.
 */
import type { TLSSocket } from 'node:tls'
import type { AbortOptions, Logger, MessageStream, MessageStreamEvents } from '@libp2p/interface'
import { StreamStateError } from '@libp2p/interface'
import { AbstractMessageStream, anySignal, deferred, raceSignal, type SendResult } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface TlsStreamInit {
  log: Logger
  /** ms a graceful close may take before the socket is destroyed */
  closeTimeout: number
}

export class TlsStream extends AbstractMessageStream {
  private readonly readHighWater: number
  private readonly socketClosed = deferred<void>()
  private readonly closeTimeout: number

  constructor(
    readonly socket: TLSSocket,
    private readonly inner: MessageStream,
    init: TlsStreamInit,
  ) {
    super({
      log: init.log,
      direction: inner.direction,
      inactivityTimeout: inner.inactivityTimeout,
      maxReadBufferLength: inner.maxReadBufferLength,
      maxWriteBufferLength: inner.maxWriteBufferLength,
    })
    this.closeTimeout = init.closeTimeout
    this.readHighWater = Math.max(1, Math.floor(this.maxReadBufferLength / 2))
    socket.on('data', (data: Buffer) => this.onSocketData(data))
    socket.on('drain', () => {
      if (this.writableNeedsDrain) this.onDrained()
    })
    socket.on('end', () => this.onSocketEnd())
    socket.on('error', (err: Error) => this.onSocketError(err))
    socket.on('close', () => this.onSocketClose())
    if (socket.destroyed) queueMicrotask(() => this.onSocketClose())
  }

  /** The stream the ciphertext travels on. */
  get underlying(): MessageStream {
    return this.inner
  }

  async close(options: AbortOptions = {}): Promise<void> {
    if (this.status !== 'open') return
    this.status = 'closing'
    this.writeStatus = 'closing'
    const deadline = anySignal([options.signal], this.closeTimeout)
    try {
      await this.flushed({ signal: deadline })
      if (!this.socket.destroyed) {
        this.socket.end()
        await raceSignal(this.socketClosed.promise, deadline).catch((err: Error) => {
          this.log('TLS close did not finish (%s), destroying the socket', err.message)
          this.socket.destroy()
        })
      }
    } catch (err) {
      this.abort(err as Error)
      return
    } finally {
      deadline.clear()
    }
    this.onTransportClosed()
  }

  override addEventListener<K extends keyof MessageStreamEvents>(
    type: K,
    listener: ((evt: MessageStreamEvents[K]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options)
    // buffered bytes go to a new reader in a microtask; the socket may flow after it
    if (type === 'message' && this.readBuffer.byteLength > 0) queueMicrotask(() => this.updateFlow())
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    const socket = this.socket
    if (!socket.writable) throw new StreamStateError('cannot write: the TLS socket is no longer writable')
    const chunks = data[Symbol.iterator]()
    const first = chunks.next()
    if (first.done === true) return { sentBytes: 0, canSendMore: true }
    const second = chunks.next()
    if (second.done === true) return { sentBytes: data.byteLength, canSendMore: socket.write(first.value) }
    // several chunks (a muxer's header and payload) become one writev, so fewer TLS records
    socket.cork()
    socket.write(first.value)
    let canSendMore = socket.write(second.value)
    for (let next = chunks.next(); next.done !== true; next = chunks.next())
      canSendMore = socket.write(next.value)
    socket.uncork()
    return { sentBytes: data.byteLength, canSendMore }
  }

  protected sendReset(err: Error): void {
    this.socket.destroy()
    this.inner.abort(err)
  }

  protected override sendPause(): void {
    this.updateFlow()
  }

  protected override sendResume(): void {
    this.updateFlow()
    if (this.readBuffer.byteLength > 0) queueMicrotask(() => this.updateFlow())
  }

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
    this.onRemoteCloseWrite()
    if (this.status === 'open') {
      this.close().catch((err: Error) =>
        this.log.error('closing after the remote end failed: %s', err.message),
      )
    }
  }

  private onSocketError(err: Error): void {
    this.log('TLS socket error: %s', err.message)
    this.abort(err)
  }

  private onSocketClose(): void {
    this.socketClosed.resolve()
    if (this.status === 'open') this.onTransportClosed()
  }
}
