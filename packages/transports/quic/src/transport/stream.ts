/**
 * One QUIC bidirectional stream as a libp2p `Stream`: writes become STREAM
 * frames (back-pressure once `writeHighWater` bytes wait unsent), close()
 * sends FIN, closeRead() STOP_SENDING, abort() RESET_STREAM plus
 * STOP_SENDING; pausing the reader withholds MAX_STREAM_DATA credit so the
 * peer stops at the window.
 */
import { type AbortOptions, type Logger, StreamResetError } from '@libp2p/interface'
import { AbstractStream, type SendResult } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { QuicConnection } from '../connection/connection.js'
import type { StreamHandler, StreamState } from '../connection/stream-state.js'

/** The application error code we reset streams with (libp2p defines none). */
const RESET_CODE = 0

export class QuicStream extends AbstractStream implements StreamHandler {
  constructor(
    private readonly connection: QuicConnection,
    private readonly state: StreamState,
    direction: 'inbound' | 'outbound',
    log: Logger,
  ) {
    const id = String(state.id)
    super({ id, direction, log: log.newScope(`stream:${id}`), maxMessageSize: 64 * 1024 })
    state.handler = this
    for (const data of state.early.splice(0)) this.onData(data)
    if (state.finDelivered) this.onRemoteCloseWrite()
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    const { streams } = this.connection
    if (this.connection.closed) throw new StreamResetError('the QUIC connection is closed')
    // copied: frames are kept for retransmission, and the caller may reuse its buffer
    for (const chunk of data) streams.write(this.state, chunk.slice())
    this.connection.scheduleFlush()
    return { sentBytes: data.byteLength, canSendMore: this.state.queuedBytes < streams.limits.writeHighWater }
  }

  protected sendReset(_err: Error): void {
    if (this.connection.closed) return
    this.connection.streams.reset(this.state, RESET_CODE)
    this.connection.streams.stopSending(this.state, RESET_CODE)
    this.connection.scheduleFlush()
  }

  protected sendCloseWrite(_options?: AbortOptions): void {
    if (this.connection.closed) return
    this.connection.streams.finish(this.state)
    this.connection.scheduleFlush()
  }

  protected sendCloseRead(_options?: AbortOptions): void {
    if (this.connection.closed) return
    this.connection.streams.stopSending(this.state, RESET_CODE)
    this.connection.scheduleFlush()
  }

  protected override sendPause(): void {
    this.connection.streams.setPaused(this.state, true)
  }

  protected override sendResume(): void {
    this.connection.streams.setPaused(this.state, false)
    this.connection.scheduleFlush()
  }

  // ---- StreamHandler: what the connection reports ------------------------------

  override onData(data: Uint8Array | Uint8ArrayList): void {
    super.onData(data)
  }

  onFin(): void {
    this.onRemoteCloseWrite()
  }

  onReset(errorCode: number): void {
    // the answer to our STOP_SENDING (RFC 9000 §3.5 makes the peer send it):
    // we asked it to stop writing, so its writable end closed, nothing broke
    if (this.state.stopSendingSent) {
      this.onRemoteCloseWrite()
      return
    }
    this.onRemoteReset(new StreamResetError(`the peer reset stream ${this.id} with code ${errorCode}`))
  }

  onStopSending(_errorCode: number): void {
    this.onRemoteCloseRead()
  }

  onWritable(): void {
    if (this.writableNeedsDrain) this.onDrained()
  }

  onConnectionClosed(err?: Error): void {
    if (err == null && this.remoteWriteStatus !== 'closed') {
      err = new StreamResetError('the connection closed before the peer closed the stream')
    }
    this.onTransportClosed(err)
  }
}
