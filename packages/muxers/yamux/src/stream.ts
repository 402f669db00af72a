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
 */
import { AbstractStream, type SendResult, type StreamInit } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ReceiveWindowExceededError } from './errors.js'
import { Flag, FrameType, INITIAL_STREAM_WINDOW } from './frame.js'
import type { DrainListener, FrameWriter } from './frame-writer.js'
import { ReceiveWindow } from './receive-window.js'

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

  constructor(init: YamuxStreamInit) {
    super(init)
    this.streamId = init.streamId
    this.writer = init.writer
    this.maxWindowSize = init.maxWindowSize
    this.getRtt = init.getRtt
    this.pendingFlags = init.firstFlags
    this.acknowledged = init.direction === 'inbound'
    // an opener announces a larger window in its SYN (see `open`); an
    // acceptor's extra window goes out with its first Window Update
    const credit = init.direction === 'outbound' ? init.initialWindowSize : INITIAL_STREAM_WINDOW
    this.receiveWindow = new ReceiveWindow(init.initialWindowSize, credit, performance.now())
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
    // bytes left the read buffer: the remote may send more
    if (event.type === 'message') this.checkWindow()
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
    const maxSize = Math.max(Math.min(this.maxWindowSize, this.maxReadBufferLength), INITIAL_STREAM_WINDOW)
    const delta = this.receiveWindow.update(buffered, performance.now(), this.getRtt(), maxSize)
    if (delta > 0) this.writer.control(FrameType.WindowUpdate, this.takeFlags(), this.streamId, delta)
  }
}
