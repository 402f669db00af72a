/**
 * One mplex stream. Outgoing bytes become data frames through the muxer;
 * frames the muxer receives for this stream come in through the `receive…`
 * methods. mplex has no flow control: a paused stream (or one nobody reads)
 * simply buffers, and is reset once it holds more than `maxReadBufferLength`,
 * or once the connection's resource scope refuses the memory for what it
 * would buffer (`memory`: reserved before the bytes stay, in 64 KiB steps so
 * small frames cost no call each, given back as the buffer drains).
 */
import type { AbortOptions, Logger } from '@libp2p/interface'
import { AbstractStream, MemoryReservation, type SendResult } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { StreamResetError } from './errors.js'
import { closeType, type MessageType, messageType, resetType } from './frame.js'

/** What a stream needs from its muxer. */
export interface FrameSink {
  /** Queues a frame; returns false while the connection wants to drain. Throws once the muxer cannot send. */
  writeFrame(id: number, type: MessageType, body?: Uint8ArrayList): boolean
  /** Queues a reset for `stream` (never throws). */
  writeReset(stream: MplexStream): void
}

export interface MplexStreamInit {
  streamId: number
  /** whether we opened the stream (we are its initiator) */
  initiator: boolean
  sink: FrameSink
  log: Logger
  maxReadBufferLength: number
  maxWriteBufferLength?: number
  inactivityTimeout?: number
  /** largest data frame body sent */
  maxMessageSize: number
  /** reservations for the bytes the read buffer holds (none: nothing is reserved) */
  memory?: MemoryReservation
}

/** Reservations grow and shrink in steps of this many bytes. */
const MEMORY_STEP = 64 * 1024

export class MplexStream extends AbstractStream {
  readonly streamId: number
  readonly initiator: boolean
  private readonly sink: FrameSink
  private readonly memory: MemoryReservation

  constructor(init: MplexStreamInit) {
    const id = `${init.initiator ? 'i' : 'r'}${init.streamId}`
    super({
      id,
      direction: init.initiator ? 'outbound' : 'inbound',
      log: init.log.newScope(id),
      maxReadBufferLength: init.maxReadBufferLength,
      maxWriteBufferLength: init.maxWriteBufferLength,
      inactivityTimeout: init.inactivityTimeout,
      maxMessageSize: init.maxMessageSize,
    })
    this.streamId = init.streamId
    this.initiator = init.initiator
    this.sink = init.sink
    this.memory = init.memory ?? new MemoryReservation(undefined)
  }

  override dispatchEvent(event: Event): boolean {
    const result = super.dispatchEvent(event)
    // the read buffer was handed to the reader: what it no longer holds is free
    if (event.type === 'message') this.memory.releaseTo(roundUp(this.readBufferLength))
    else if (event.type === 'close') this.memory.releaseAll()
    return result
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    const canSendMore = this.sink.writeFrame(this.streamId, messageType(this.initiator), data)
    return { sentBytes: data.byteLength, canSendMore }
  }

  protected sendReset(): void {
    this.sink.writeReset(this)
  }

  protected sendCloseWrite(_options?: AbortOptions): void {
    // queued behind this stream's data; leaves with the other frames of this tick
    this.sink.writeFrame(this.streamId, closeType(this.initiator))
  }

  /** mplex cannot tell the remote to stop sending; later data is dropped here. */
  protected sendCloseRead(_options?: AbortOptions): void {}

  /** The reset frame type we send for this stream. */
  get resetType(): MessageType {
    return resetType(this.initiator)
  }

  // ---- called by the muxer -------------------------------------------------

  receiveData(body: Uint8Array | Uint8ArrayList): void {
    if (this.remoteWriteStatus === 'closed') {
      this.log.trace('dropping %d bytes that arrived after the remote closed', body.byteLength)
      return
    }
    // bytes a reader takes at once never stay, nor do those a closed readable end drops
    const stays =
      this.readStatus === 'paused' || (this.readStatus === 'readable' && this.listenerCount('message') === 0)
    if (stays && !this.coverReadBuffer(body.byteLength)) return
    this.onData(body)
    if (!stays) this.coverReadBuffer(0)
  }

  /** Reserves memory for the read buffer plus `extra` bytes; false (and the stream reset) when refused. */
  private coverReadBuffer(extra: number): boolean {
    const missing = this.readBufferLength + extra - this.memory.reserved
    if (missing <= 0) return true
    try {
      this.memory.reserve(roundUp(missing))
      return true
    } catch (err) {
      this.log('resetting: no memory for %d unread bytes: %s', missing, (err as Error).message)
      this.abort(err as Error)
      return false
    }
  }

  receiveClose(): void {
    this.onRemoteCloseWrite()
  }

  receiveReset(): void {
    this.onRemoteReset()
  }

  connectionDrained(): void {
    if (this.writableNeedsDrain) this.onDrained()
  }

  /**
   * The connection is gone (`err` when it was aborted). A stream whose remote
   * never closed was cut short, so it closes with an error too.
   */
  connectionClosed(err?: Error): void {
    if (err == null && this.remoteWriteStatus !== 'closed') {
      err = new StreamResetError('the connection closed before the remote closed the stream')
    }
    this.onTransportClosed(err)
  }

  /** The remote will send no more frames at all: a stream it has not closed is cut short. */
  connectionEnded(): void {
    if (this.remoteWriteStatus === 'closed') return
    this.abort(new StreamResetError('the connection ended before the remote closed the stream'))
  }
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / MEMORY_STEP) * MEMORY_STEP
}
