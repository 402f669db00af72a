/**
 * One yamux stream: weft's `AbstractStream` plus yamux flow control.
 *
 * - Writing: Data frames of up to `maxMessageSize` bytes, never more than the
 *   send window the remote granted. With the window at 0, or the connection
 *   full, `sendData` reports `canSendMore: false`; a Window Update or the
 *   connection's `'drain'` resumes it (`onDrained`).
 * - Reading: see `ReceiveWindow`. While the stream is paused no Window Update
 *   is sent, so the remote stops once its window is used: back-pressure
 *   reaches the writer.
 * - `close()` sends FIN after every queued byte, `abort()` sends RST,
 *   `closeRead()` is local (yamux cannot tell the remote; what still arrives
 *   is dropped and its window granted again so the remote writer is not stuck).
 * - The first frame we send carries SYN (we opened the stream) or ACK (we
 *   accept the remote's), as the spec's "Opening a stream" says.
 * - Memory: the window beyond the spec's 256 KiB is reserved in the
 *   connection's resource scope (`memory`) before it is granted, at a low
 *   priority; a refusal keeps the window as it is. What the reader has not
 *   taken is at most the window, so it is covered too. Once the remote can
 *   send no more, the reservation shrinks with the read buffer; it is given
 *   back when the stream closes.
 */
import { AbstractStream, MemoryReservation, type SendResult, type StreamInit } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ReceiveWindowExceededError } from './errors.js'
import { Flag, FrameType, INITIAL_STREAM_WINDOW } from './frame.js'
import type { DrainListener, FrameWriter } from './frame-writer.js'
import { ReceiveWindow } from './receive-window.js'

/** Window growth is optional memory: it may fill only half of a scope's limit (priority 127 of 255). */
export const WINDOW_MEMORY_PRIORITY = 127

export interface YamuxStreamInit extends StreamInit {
  streamId: number
  writer: FrameWriter
  /** our receive window at the start */
  initialWindowSize: number
  /** the largest receive window auto-tuning may reach */
  maxWindowSize: number
  /** flags for the first frame we send: SYN or ACK */
  firstFlags: number
  /** the session's round-trip time in ms, negative while unknown */
  getRtt: () => number
  /** reservations for the window beyond 256 KiB (none: nothing is reserved) */
  memory?: MemoryReservation
}

export class YamuxStream extends AbstractStream implements DrainListener {
  readonly streamId: number
  /** for outbound streams: the remote acknowledged (ACK) the stream */
  acknowledged: boolean
  private sendWindow = INITIAL_STREAM_WINDOW
  private readonly receiveWindow: ReceiveWindow
  private readonly writer: FrameWriter
  private readonly maxWindowSize: number
  private readonly getRtt: () => number
  private pendingFlags: number
  private windowCheckScheduled = false
  private readonly memory: MemoryReservation

  constructor(init: YamuxStreamInit) {
    super(init)
    this.streamId = init.streamId
    this.writer = init.writer
    this.maxWindowSize = init.maxWindowSize
    this.getRtt = init.getRtt
    this.pendingFlags = init.firstFlags
    this.acknowledged = init.direction === 'inbound'
    this.memory = init.memory ?? new MemoryReservation(undefined)
    // a larger initial window than the spec's is memory we may be refused
    const size = this.memory.tryReserve(init.initialWindowSize - INITIAL_STREAM_WINDOW)
      ? init.initialWindowSize
      : INITIAL_STREAM_WINDOW
    // an opener announces a larger window in its SYN (see `open`); an
    // acceptor's extra window goes out with its first Window Update
    const credit = init.direction === 'outbound' ? size : INITIAL_STREAM_WINDOW
    this.receiveWindow = new ReceiveWindow(size, credit, performance.now())
  }

  /** Bytes we may still send before the remote grants more. */
  get sendWindowSize(): number {
    return this.sendWindow
  }

  /** The receive window we currently grant. */
  get receiveWindowSize(): number {
    return this.receiveWindow.size
  }

  /** Sends the SYN of a stream we open, announcing any window beyond the spec's 256 KiB. */
  open(): void {
    this.writer.control(
      FrameType.WindowUpdate,
      this.takeFlags(),
      this.streamId,
      this.receiveWindow.size - INITIAL_STREAM_WINDOW,
    )
  }

  // ---- AbstractStream hooks ---------------------------------------------------

  protected sendData(data: Uint8ArrayList): SendResult {
    const writer = this.writer
    if (!writer.writable) {
      writer.waitForDrain(this)
      return { sentBytes: 0, canSendMore: false }
    }
    const window = this.sendWindow
    if (window === 0) return { sentBytes: 0, canSendMore: false }
    let length = data.byteLength
    let payload = data
    if (length > window) {
      length = window
      payload = data.sublist(0, length)
    }
    this.sendWindow = window - length
    writer.data(this.takeFlags(), this.streamId, payload)
    if (!writer.writable) {
      writer.waitForDrain(this)
      return { sentBytes: length, canSendMore: false }
    }
    return { sentBytes: length, canSendMore: this.sendWindow > 0 }
  }

  protected sendReset(): void {
    // what was queued before (a multistream answer, say) leaves first, in its
    // own write: a reset is rare, and the remote then sees the answer before it
    this.writer.flush()
    this.writer.control(FrameType.WindowUpdate, Flag.RST, this.streamId, 0)
    this.writer.forget(this)
  }

  protected sendCloseWrite(): void {
    this.writer.control(FrameType.WindowUpdate, this.takeFlags() | Flag.FIN, this.streamId, 0)
  }

  protected sendCloseRead(): void {
    // nothing goes on the wire; the dropped bytes free window for the remote
    this.checkWindow()
    this.trimMemory()
  }

  protected override sendResume(): void {
    // runs after the base class has scheduled delivery of the buffered bytes
    if (this.windowCheckScheduled) return
    this.windowCheckScheduled = true
    queueMicrotask(() => {
      this.windowCheckScheduled = false
      this.checkWindow()
    })
  }

  override dispatchEvent(event: Event): boolean {
    const result = super.dispatchEvent(event)
    const type = event.type
    if (type === 'message') {
      // bytes left the read buffer: the remote may send more, or, once it sends no more, memory is free
      if (this.remoteWriteStatus === 'closed') this.trimMemory()
      else this.checkWindow()
    } else if (type === 'remoteCloseWrite') {
      this.trimMemory()
    } else if (type === 'close') {
      this.memory.releaseAll()
    }
    return result
  }

  // ---- called by the muxer ----------------------------------------------------

  /** A Data frame of `length` bytes starts; throws when it exceeds our window. */
  receiveDataStart(length: number): void {
    if (!this.receiveWindow.receive(length)) {
      throw new ReceiveWindowExceededError(this.streamId, length, this.receiveWindow.credit)
    }
  }

  receiveData(data: Uint8Array | Uint8ArrayList): void {
    if (this.remoteWriteStatus === 'closed') {
      this.log('dropping %d bytes that arrived after FIN', data.byteLength)
      return
    }
    this.onData(data)
    // delivered bytes were accounted for by `dispatchEvent`; bytes dropped
    // after closeRead are free window at once
    if (this.readStatus === 'closed' || this.readStatus === 'closing') this.checkWindow()
  }

  /** FIN and RST of a frame, after its payload. */
  receiveEndFlags(flags: number): void {
    if ((flags & Flag.FIN) !== 0) this.onRemoteCloseWrite()
    if ((flags & Flag.RST) !== 0) this.onRemoteReset()
  }

  receiveWindowUpdate(delta: number): void {
    if (delta === 0) return
    this.sendWindow += delta
    if (this.writableNeedsDrain) this.onDrained()
  }

  onConnectionDrained(): void {
    if (this.writableNeedsDrain) this.onDrained()
  }

  /** The connection closed (with `err` when it was aborted). */
  transportClosed(err?: Error): void {
    this.writer.forget(this)
    this.onTransportClosed(err)
  }

  // ---- internals ----------------------------------------------------------------

  private takeFlags(): number {
    const flags = this.pendingFlags
    this.pendingFlags = 0
    return flags
  }

  private checkWindow(): void {
    if (this.status !== 'open' || this.remoteWriteStatus === 'closed' || this.readStatus === 'paused') return
    const buffered = this.readBufferLength
    if (!this.receiveWindow.due(buffered)) return
    // a closed readable end drops what arrives: a larger window would buy nothing
    const maxSize =
      this.readStatus === 'readable'
        ? Math.max(Math.min(this.maxWindowSize, this.maxReadBufferLength), INITIAL_STREAM_WINDOW)
        : this.receiveWindow.size
    const delta = this.receiveWindow.update(
      buffered,
      performance.now(),
      this.getRtt(),
      maxSize,
      this.reserveGrowth,
    )
    if (delta > 0) this.writer.control(FrameType.WindowUpdate, this.takeFlags(), this.streamId, delta)
  }

  /** Reserves a window growth of `bytes` (one per doubling, never per frame). */
  private readonly reserveGrowth = (bytes: number): boolean => this.memory.tryReserve(bytes)

  /**
   * Gives back the reservation the stream no longer needs: while the remote
   * may send, the whole window beyond 256 KiB; after that, what the unread
   * bytes take beyond it.
   */
  private trimMemory(): void {
    const receiving =
      this.status === 'open' &&
      this.remoteWriteStatus !== 'closed' &&
      this.readStatus !== 'closing' &&
      this.readStatus !== 'closed'
    const needed = receiving ? this.receiveWindow.size : this.readBufferLength
    this.memory.releaseTo(needed - INITIAL_STREAM_WINDOW)
  }
}
