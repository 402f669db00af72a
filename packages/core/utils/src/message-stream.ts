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
  StreamBufferError,
  StreamCloseEvent,
  StreamMessageEvent,
  StreamResetError,
  StreamResetEvent,
  StreamStateError,
} from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { StreamClosedError } from './errors.js'
import { endOnListenerError, LightEventTarget } from './event-target.js'
import { iterateMessages } from './internal/message-iterator.js'
import { deferred, raceSignal } from './signals.js'
import { waitForEvent } from './wait-for-event.js'

export { waitForEvent } from './wait-for-event.js'

export const DEFAULT_MAX_READ_BUFFER_LENGTH = 4 * 1024 * 1024

export interface MessageStreamInit {
  log: Logger
  direction?: MessageStreamDirection
  /** milliseconds without traffic before the owner may close the stream */
  inactivityTimeout?: number
  maxReadBufferLength?: number
  maxWriteBufferLength?: number
  /** largest chunk handed to `sendData` at once */
  maxMessageSize?: number
}

/** What `sendData` managed to hand to the layer below. */
export interface SendResult {
  sentBytes: number
  /** false when the layer below is full; the subclass calls `onDrained()` later */
  canSendMore: boolean
}

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
  protected readonly readBuffer = new Uint8ArrayList()
  protected readonly writeBuffer = new Uint8ArrayList()
  private sending = false
  private ended = false
  private dispatchScheduled = false
  private drainWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = []

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
    const waiter = deferred<void>()
    this.drainWaiters.push(waiter)
    return raceSignal(waiter.promise, options?.signal)
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
    return iterateMessages(this, () => this.takeReadBuffer())
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
      const waiters = this.drainWaiters
      this.drainWaiters = []
      for (const waiter of waiters) waiter.resolve()
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
    if (this.writeBuffer.byteLength > 0) {
      this.writeBuffer.consume(this.writeBuffer.byteLength)
      this.safeDispatchEvent('idle')
    }
  }

  /**
   * The remote reset the stream. `err` (default: a `StreamResetError`) is the
   * error the `'close'` event carries; give one that says how the remote
   * reset, such as a WebSocket close code.
   */
  protected onRemoteReset(err?: Error): void {
    if (this.status === 'aborted' || this.status === 'reset' || this.status === 'closed') return
    this.status = 'reset'
    this.writeBuffer.consume(this.writeBuffer.byteLength)
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
      let canSendMore = true
      while (this.writeBuffer.byteLength > 0) {
        const size = Math.min(this.maxMessageSize ?? Number.POSITIVE_INFINITY, this.writeBuffer.byteLength)
        const chunk = this.writeBuffer.sublist(0, size)
        let result: SendResult
        try {
          result = this.sendData(chunk)
        } catch (err) {
          // the layer below is gone or refused the bytes: this stream is over
          this.abort(err as Error)
          if (rethrow) throw err
          return false
        }
        this.writeBuffer.consume(result.sentBytes)
        canSendMore = result.canSendMore
        if (!canSendMore) break
        if (result.sentBytes === 0) {
          canSendMore = false
          break
        }
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
      if (this.readStatus === 'closing' || this.readStatus === 'closed') {
        // a reset keeps already-received bytes readable; anything else drops them
        if (this.status !== 'reset') {
          this.readBuffer.consume(this.readBuffer.byteLength)
          return
        }
      }
      const data = this.readBuffer.sublist()
      this.readBuffer.consume(data.byteLength)
      this.dispatchEvent(new StreamMessageEvent(data))
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
    if (this.readBuffer.byteLength > this.maxReadBufferLength) {
      this.abort(
        new StreamBufferError(
          `read buffer holds ${this.readBuffer.byteLength} bytes, over the limit of ${this.maxReadBufferLength}`,
        ),
      )
    }
  }

  private checkWriteBufferLength(): void {
    if (this.maxWriteBufferLength != null && this.writeBuffer.byteLength > this.maxWriteBufferLength) {
      this.abort(
        new StreamBufferError(
          `write buffer holds ${this.writeBuffer.byteLength} bytes, over the limit of ${this.maxWriteBufferLength}`,
        ),
      )
    }
  }

  protected maybeEnd(): void {
    if (this.ended || this.readBuffer.byteLength > 0) return
    if (this.remoteWriteStatus !== 'closed' && this.readStatus !== 'closed') return
    this.ended = true
    this.safeDispatchEvent('end')
  }

  /** Empties the read buffer and returns what it held (for the iterator, on a clean close). */
  private takeReadBuffer(): Uint8ArrayList | undefined {
    if (this.readBuffer.byteLength === 0) return undefined
    const rest = this.readBuffer.sublist()
    this.readBuffer.consume(rest.byteLength)
    return rest
  }

  private discardBuffers(): void {
    this.readBuffer.consume(this.readBuffer.byteLength)
    if (this.writeBuffer.byteLength > 0) {
      this.writeBuffer.consume(this.writeBuffer.byteLength)
      this.safeDispatchEvent('idle')
    }
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
    const waiters = this.drainWaiters
    if (waiters.length > 0) {
      // built only when someone waits: an error captures a stack, and most streams end with no waiter
      this.drainWaiters = []
      const reason = event.error ?? new StreamClosedError('stream closed')
      for (const waiter of waiters) waiter.reject(reason)
    }
    this.dispatchEvent(event)
  }
}
