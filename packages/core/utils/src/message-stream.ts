/**
 * weft's implementation of the `MessageStream` contract of @libp2p/interface
 * 3.x, the base of every stream, connection and secured channel in weft.
 *
 * Contract (what other code, ours or js-libp2p's, relies on):
 * - Writing: `send(data)` queues bytes and returns false when the caller
 *   should wait for `'drain'` (or `await onDrain()`) before sending more. A
 *   write buffer beyond `maxWriteBufferLength` aborts the stream.
 * - Reading: bytes arrive as `'message'` events; while nobody listens, or the
 *   stream is paused, they wait in the read buffer (beyond
 *   `maxReadBufferLength` the stream aborts). `for await` reads them too, and
 *   pauses the stream while its consumer falls behind
 *   (internal/message-iterator.ts).
 * - `'remoteCloseWrite'`: the remote will send no more; `'end'`: every byte
 *   has been delivered and the readable side is finished; `'close'`: the
 *   stream is over (with `.error` when it was aborted or reset).
 *
 * Subclasses move bytes: they implement `sendData` and the close/reset hooks
 * and call `onData`, `onRemoteCloseWrite`, `onRemoteReset`,
 * `onTransportClosed`, `onDrained` when their transport reports those.
 *
 * Events go through `LightEventTarget` (see event-target.ts), not Node's
 * `EventTarget`: a few hundred bytes less per listener and a faster dispatch.
 */
import {
  type AbortOptions,
  type Logger,
  type MessageStream,
  type MessageStreamDirection,
  type MessageStreamEvents,
  type MessageStreamReadStatus,
  type MessageStreamStatus,
  type MessageStreamTimeline,
  type MessageStreamWriteStatus,
  StreamAbortEvent,
  StreamCloseEvent,
  StreamMessageEvent,
  StreamResetError,
  StreamResetEvent,
  StreamStateError,
} from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { StreamClosedError } from './errors.js'
import { endOnListenerError, LightEventTarget } from './event-target.js'
import { DrainWaiters } from './internal/drain-waiters.js'
import { iterateMessages } from './internal/message-iterator.js'
import {
  DEFAULT_MAX_READ_BUFFER_LENGTH,
  type MessageStreamInit,
  type SendResult,
} from './message-stream-init.js'
import { raceSignal } from './signals.js'
import { StreamBuffer } from './stream-buffer.js'
import { waitForEvent } from './wait-for-event.js'

export * from './message-stream-init.js'
export { waitForEvent } from './wait-for-event.js'

export abstract class AbstractMessageStream<Timeline extends MessageStreamTimeline = MessageStreamTimeline>
  extends LightEventTarget<MessageStreamEvents>
  implements MessageStream<Timeline>
{
  status: MessageStreamStatus = 'open'
  timeline: Timeline
  log: Logger
  direction: MessageStreamDirection
  inactivityTimeout: number
  maxReadBufferLength: number
  maxWriteBufferLength?: number
  writableNeedsDrain = false
  readStatus: MessageStreamReadStatus = 'readable'
  writeStatus: MessageStreamWriteStatus = 'writable'
  remoteReadStatus: MessageStreamReadStatus = 'readable'
  remoteWriteStatus: MessageStreamWriteStatus = 'writable'

  protected readonly maxMessageSize?: number
  protected readonly readBuffer = new StreamBuffer()
  protected readonly writeBuffer = new StreamBuffer()
  private sending = false
  private ended = false
  private dispatchScheduled = false
  /** created on the first `onDrain()` that has to wait */
  private drainWaiters?: DrainWaiters

  constructor(init: MessageStreamInit) {
    super()
    this.log = init.log
    this.direction = init.direction ?? 'outbound'
    this.inactivityTimeout = init.inactivityTimeout ?? 120_000
    this.maxReadBufferLength = init.maxReadBufferLength ?? DEFAULT_MAX_READ_BUFFER_LENGTH
    this.maxWriteBufferLength = init.maxWriteBufferLength
    this.maxMessageSize = init.maxMessageSize
    this.timeline = { open: Date.now() } as Timeline
  }

  /** Hands bytes to the layer below. Must not throw for back-pressure; returns what it took. */
  protected abstract sendData(data: Uint8ArrayList): SendResult
  /** Tells the remote the stream was aborted (may be a no-op). */
  protected abstract sendReset(err: Error): void
  abstract close(options?: AbortOptions): Promise<void>

  /** Stops the layer below from delivering data (optional flow control). */
  protected sendPause(): void {}
  /** Lets the layer below deliver data again. */
  protected sendResume(): void {}

  get readBufferLength(): number {
    return this.readBuffer.byteLength
  }

  get writeBufferLength(): number {
    return this.writeBuffer.byteLength
  }

  get readableEnded(): boolean {
    return this.ended
  }

  send(data: Uint8Array | Uint8ArrayList): boolean {
    if (this.writeStatus === 'closing' || this.writeStatus === 'closed') {
      throw new StreamStateError(`cannot write to a stream whose writable end is ${this.writeStatus}`)
    }
    if (data.byteLength > 0) this.writeBuffer.append(data)
    return this.flush(true)
  }

  async onDrain(options?: AbortOptions): Promise<void> {
    if (!this.writableNeedsDrain) return
    if (this.status !== 'open' && this.status !== 'closing') {
      throw new StreamClosedError(`stream is ${this.status}`)
    }
    this.drainWaiters ??= new DrainWaiters()
    return this.drainWaiters.wait(options?.signal)
  }

  /** A listener threw: it ends this object (or the new stream it was handed), never the process. */
  protected override onListenerError(err: unknown, event: Event): void {
    endOnListenerError(this, err, event)
  }

  abort(err: Error): void {
    if (this.status === 'aborted' || this.status === 'reset' || this.status === 'closed') return
    this.log('abort: %s', err.message)
    this.status = 'aborted'
    this.discardBuffers()
    this.markAllClosed()
    try {
      this.sendReset(err)
    } catch (sendErr) {
      this.log.error('could not send reset: %s', (sendErr as Error).message)
    }
    this.finish(new StreamAbortEvent(err))
  }

  pause(): void {
    if (this.readStatus === 'closing' || this.readStatus === 'closed') {
      throw new StreamStateError(`cannot pause a stream whose readable end is ${this.readStatus}`)
    }
    if (this.readStatus === 'paused') return
    this.readStatus = 'paused'
    this.sendPause()
  }

  resume(): void {
    if (this.readStatus === 'closing' || this.readStatus === 'closed') {
      throw new StreamStateError(`cannot resume a stream whose readable end is ${this.readStatus}`)
    }
    if (this.readStatus === 'readable') return
    this.readStatus = 'readable'
    this.scheduleDispatch()
    this.sendResume()
  }

  /** Delivers bytes as if they had arrived from the remote (after buffered ones). */
  push(data: Uint8Array | Uint8ArrayList): void {
    this.putBack(data, false)
  }

  /** Returns bytes to the front of the read buffer (a parser read too far). */
  unshift(data: Uint8Array | Uint8ArrayList): void {
    this.putBack(data, true)
  }

  override addEventListener<K extends keyof MessageStreamEvents>(
    type: K,
    listener: ((evt: MessageStreamEvents[K]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as never, options)
    if (type === 'message' && this.readBuffer.byteLength > 0) this.scheduleDispatch()
  }

  [Symbol.asyncIterator](): AsyncGenerator<Uint8Array | Uint8ArrayList> {
    return iterateMessages(this, () => this.readBuffer.takeAll())
  }

  // ---- called by subclasses -------------------------------------------------

  /** Bytes arrived from the remote. */
  protected onData(data: Uint8Array | Uint8ArrayList): void {
    if (data.byteLength === 0) return
    if (this.readStatus === 'closing' || this.readStatus === 'closed') {
      this.log.trace('dropping %d bytes, readable end is %s', data.byteLength, this.readStatus)
      return
    }
    this.readBuffer.append(data)
    this.dispatchReadBuffer()
  }

  /** The layer below can take bytes again. */
  protected onDrained(): void {
    if (this.writableNeedsDrain) {
      this.writableNeedsDrain = false
      this.flush()
    }
    if (!this.writableNeedsDrain) {
      this.drainWaiters?.resolveAll()
      this.safeDispatchEvent('drain')
    }
  }

  /** The remote will send nothing more. */
  protected onRemoteCloseWrite(): void {
    if (this.remoteWriteStatus === 'closed') return
    this.remoteWriteStatus = 'closed'
    this.safeDispatchEvent('remoteCloseWrite')
    this.maybeEnd()
    if (this.writeStatus === 'closed') this.onTransportClosed()
  }

  /** The remote will read nothing more: unsent bytes are pointless. */
  protected onRemoteCloseRead(): void {
    this.remoteReadStatus = 'closed'
    if (this.writeBuffer.clear()) this.safeDispatchEvent('idle')
  }

  /**
   * The remote reset the stream. `err` (default: a `StreamResetError`) is the
   * error the `'close'` event carries; give one that says how the remote
   * reset, such as a WebSocket close code.
   */
  protected onRemoteReset(err?: Error): void {
    if (this.status === 'aborted' || this.status === 'reset' || this.status === 'closed') return
    this.status = 'reset'
    this.writeBuffer.clear()
    this.writeStatus = 'closed'
    this.remoteWriteStatus = 'closed'
    this.remoteReadStatus = 'closed'
    // bytes that already arrived stay readable; the stream ends after them
    if (this.readBuffer.byteLength === 0) this.readStatus = 'closed'
    this.finish(new StreamResetEvent(err ?? new StreamResetError('the remote reset the stream')))
  }

  /** Both directions are finished (or the layer below went away, with `err`). */
  protected onTransportClosed(err?: Error): void {
    if (err != null) {
      this.abort(err)
      return
    }
    if (this.status !== 'open' && this.status !== 'closing') return
    if (this.readStatus === 'readable' && this.readBuffer.byteLength === 0) this.readStatus = 'closed'
    this.writeStatus = 'closed'
    this.remoteWriteStatus = 'closed'
    this.remoteReadStatus = 'closed'
    this.status = 'closed'
    this.finish(new StreamCloseEvent())
  }

  /** Waits until queued bytes have been handed on and the layer below has drained. */
  protected async flushed(options?: AbortOptions): Promise<void> {
    while (this.sending || this.writeBuffer.byteLength > 0 || this.writableNeedsDrain) {
      if (this.status !== 'open' && this.status !== 'closing') {
        throw new StreamClosedError(`stream is ${this.status}`)
      }
      if (this.writableNeedsDrain) {
        await this.onDrain(options)
      } else {
        await raceSignal(waitForEvent(this, 'idle'), options?.signal)
      }
    }
  }

  // ---- internals -------------------------------------------------------------

  /**
   * Hands queued bytes to the layer below. When that throws the stream is
   * aborted; the error reaches the caller only when it is `send()`'s own
   * caller (`rethrow`): from a 'drain' listener or a close it would escape
   * the stack, and a remote's FIN must not crash the host.
   */
  private flush(rethrow = false): boolean {
    if (this.writableNeedsDrain) {
      this.checkWriteBufferLength()
      return false
    }
    if (this.writeBuffer.byteLength === 0 || this.sending) return true
    if (this.writeStatus === 'closed') return false
    this.sending = true
    try {
      let canSendMore: boolean
      try {
        canSendMore = this.writeBuffer.sendChunks(this.maxMessageSize, (chunk) => this.sendData(chunk))
      } catch (err) {
        // the layer below is gone or refused the bytes: this stream is over
        this.abort(err as Error)
        if (rethrow) throw err
        return false
      }
      if (!canSendMore) {
        this.writableNeedsDrain = true
        this.checkWriteBufferLength()
      }
      // 'idle' is only awaited by close()/flushed(); skip building an event nobody hears
      if (this.writeBuffer.byteLength === 0 && this.listenerCount('idle') > 0) this.safeDispatchEvent('idle')
      return canSendMore
    } finally {
      this.sending = false
    }
  }

  private putBack(data: Uint8Array | Uint8ArrayList, front: boolean): void {
    if (this.readStatus === 'closing' || this.readStatus === 'closed') {
      throw new StreamStateError(`cannot add data to a stream whose readable end is ${this.readStatus}`)
    }
    if (data.byteLength === 0) return
    if (front) this.readBuffer.prepend(data)
    else this.readBuffer.append(data)
    this.checkReadBufferLength()
    this.scheduleDispatch()
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return
    this.dispatchScheduled = true
    queueMicrotask(() => {
      this.dispatchScheduled = false
      this.dispatchReadBuffer()
    })
  }

  private dispatchReadBuffer(): void {
    try {
      if (this.readBuffer.byteLength === 0 || this.readStatus === 'paused') return
      if (this.listenerCount('message') === 0) return
      // a reset keeps already-received bytes readable; anything else drops them
      if ((this.readStatus === 'closing' || this.readStatus === 'closed') && this.status !== 'reset') {
        this.readBuffer.clear()
        return
      }
      const data = this.readBuffer.takeAll()
      if (data != null) this.dispatchEvent(new StreamMessageEvent(data))
    } finally {
      if (
        this.readBuffer.byteLength === 0 &&
        (this.remoteWriteStatus === 'closed' || this.status === 'reset')
      ) {
        this.readStatus = 'closed'
        this.maybeEnd()
      }
      this.checkReadBufferLength()
    }
  }

  private checkReadBufferLength(): void {
    const overflow = this.readBuffer.overflow('read', this.maxReadBufferLength)
    if (overflow != null) this.abort(overflow)
  }

  private checkWriteBufferLength(): void {
    const overflow = this.writeBuffer.overflow('write', this.maxWriteBufferLength)
    if (overflow != null) this.abort(overflow)
  }

  protected maybeEnd(): void {
    if (this.ended || this.readBuffer.byteLength > 0) return
    if (this.remoteWriteStatus !== 'closed' && this.readStatus !== 'closed') return
    this.ended = true
    this.safeDispatchEvent('end')
  }

  private discardBuffers(): void {
    this.readBuffer.clear()
    if (this.writeBuffer.clear()) this.safeDispatchEvent('idle')
  }

  private markAllClosed(): void {
    this.readStatus = 'closed'
    this.writeStatus = 'closed'
    this.remoteReadStatus = 'closed'
    this.remoteWriteStatus = 'closed'
  }

  private finish(event: StreamCloseEvent): void {
    this.timeline.close = Date.now()
    this.maybeEnd()
    this.drainWaiters?.rejectAll(() => event.error ?? new StreamClosedError('stream closed'))
    this.dispatchEvent(event)
  }
}
