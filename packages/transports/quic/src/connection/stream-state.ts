/**
 * One bidirectional QUIC stream inside a connection (RFC 9000 §2, §3): the
 * bytes waiting to be framed, the peer's MAX_STREAM_DATA, reassembly of what
 * arrives, and the receive window we advertise. Pure bookkeeping: the
 * stream manager turns it into frames, and a `StreamHandler` (the libp2p
 * stream) hears what happens.
 */
import { ReassemblyBuffer } from '../reassembly-buffer.js'

export interface StreamHandler {
  /** bytes arrived in order */
  onData(data: Uint8Array): void
  /** every byte up to the peer's FIN was delivered */
  onFin(): void
  /** RESET_STREAM from the peer */
  onReset(errorCode: number): void
  /** STOP_SENDING from the peer (we answer with RESET_STREAM) */
  onStopSending(errorCode: number): void
  /** the unsent queue fell below the low-water mark */
  onWritable(): void
  /** the connection ended (`err` unless it closed cleanly) */
  onConnectionClosed(err?: Error): void
}

export class StreamState {
  handler: StreamHandler | undefined
  /** bytes handed to `write` and not yet put in a STREAM frame */
  queuedBytes = 0
  /** offset of the next new byte we frame */
  sendOffset = 0
  /** the peer's MAX_STREAM_DATA for this stream */
  sendLimit: number
  finQueued = false
  finSent = false
  resetSent = false
  /** we told the peer we blocked at this offset (STREAM_DATA_BLOCKED) */
  blockedAt = -1
  readonly receive: ReassemblyBuffer
  /** the MAX_STREAM_DATA we advertised */
  receiveLimit: number
  finalSize: number | undefined
  /** the highest offset the peer sent (flow control counts it) */
  highestReceived = 0
  finDelivered = false
  resetReceived = false
  stopSendingSent = false
  /** the reader paused: no more credit until it resumes */
  paused = false
  /** data delivered early (before a handler attached) */
  early: Uint8Array[] = []
  private readonly queue: Uint8Array[] = []

  constructor(
    readonly id: number,
    readonly window: number,
    sendLimit: number,
  ) {
    this.sendLimit = sendLimit
    this.receiveLimit = window
    this.receive = new ReassemblyBuffer(window)
  }

  write(data: Uint8Array): void {
    if (data.length === 0) return
    this.queue.push(data)
    this.queuedBytes += data.length
  }

  /** Whether a STREAM frame could go out now (data within limits, or a bare FIN). */
  get hasSendable(): boolean {
    if (this.resetSent) return false
    if (this.queuedBytes > 0 && this.sendOffset < this.sendLimit) return true
    return this.finQueued && !this.finSent && this.queuedBytes === 0
  }

  /** Takes up to `max` queued bytes the stream limit allows (FIN once the queue is empty). */
  take(max: number): { offset: number; data: Uint8Array; fin: boolean } | undefined {
    if (!this.hasSendable) return undefined
    const allowed = Math.min(max, this.sendLimit - this.sendOffset, this.queuedBytes)
    const parts: Uint8Array[] = []
    let taken = 0
    while (taken < allowed) {
      const head = this.queue[0] as Uint8Array
      const want = allowed - taken
      if (head.length <= want) {
        parts.push(head)
        this.queue.shift()
        taken += head.length
      } else {
        parts.push(head.subarray(0, want))
        this.queue[0] = head.subarray(want)
        taken += want
      }
    }
    const data = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts)
    const offset = this.sendOffset
    this.sendOffset += taken
    this.queuedBytes -= taken
    const fin = this.finQueued && this.queuedBytes === 0
    if (fin) this.finSent = true
    return { offset, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), fin }
  }

  /** Drops what was never sent (a reset). */
  clearQueue(): void {
    this.queue.length = 0
    this.queuedBytes = 0
  }

  /** Both directions are over: the stream can be forgotten. */
  get done(): boolean {
    const sendDone = this.finSent || this.resetSent
    const receiveDone = this.finDelivered || this.resetReceived || this.stopSendingSent
    return sendDone && receiveDone
  }
}
