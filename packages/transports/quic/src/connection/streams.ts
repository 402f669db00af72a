/**
 * The streams of one connection (RFC 9000 §2–§4): stream IDs and limits
 * (MAX_STREAMS both ways), connection and stream flow control (MAX_DATA,
 * MAX_STREAM_DATA credit as data is delivered, *_BLOCKED when the peer's
 * limits stop us), the stream frames received, and the STREAM frames to send,
 * round-robin over streams with data. Only bidirectional streams: libp2p
 * uses no others, so we advertise zero unidirectional streams and a peer
 * that opens one breaks our limit (STREAM_LIMIT_ERROR).
 */
import { QuicTransportError, TransportErrorCode } from '../errors.js'
import type { Frame } from '../frame.js'
import { ReassemblyLimitError } from '../reassembly-buffer.js'
import type { TransportParameters } from '../transport-parameters.js'
import { varintLength } from '../varint.js'
import { ConnectionFlow } from './connection-flow.js'
import { StreamState } from './stream-state.js'

export interface StreamLimits {
  /** receive window per stream (bytes) */
  streamWindow: number
  /** receive window of the connection (bytes) */
  connectionWindow: number
  /** streams the peer may have open at once */
  maxIncomingStreams: number
  /** unsent bytes per stream above which the writer is asked to wait */
  writeHighWater: number
}

type StreamFrame = Extract<Frame, { type: 'stream' }>

function fail(code: number, message: string): never {
  throw new QuicTransportError(code, message)
}

export class StreamManager {
  readonly streams = new Map<number, StreamState>()
  /** called for each stream the peer opens */
  onIncoming: (stream: StreamState) => void = () => {}
  /** the peer raised MAX_STREAMS: waiting openers may retry */
  onStreamCredit: () => void = () => {}
  private nextLocal = 0
  private localLimit = 0
  private remoteOpened = 0
  private remoteLimit: number
  /** the peer's initial MAX_STREAM_DATA for streams we open, and for those it opens */
  private peerStreamWindow = 0
  private peerRemoteOpenedWindow = 0
  private readonly flow: ConnectionFlow
  private readonly sendOrder: number[] = []
  private maxStreamsPending = false
  private readonly maxStreamDataPending = new Set<number>()
  private readonly control: Frame[] = []

  constructor(
    private readonly isClient: boolean,
    readonly limits: StreamLimits,
  ) {
    this.remoteLimit = limits.maxIncomingStreams
    this.flow = new ConnectionFlow(limits.connectionWindow)
  }

  /** Our transport parameters for streams and flow control. */
  parameters(): Partial<TransportParameters> {
    return {
      initialMaxData: this.limits.connectionWindow,
      initialMaxStreamDataBidiLocal: this.limits.streamWindow,
      initialMaxStreamDataBidiRemote: this.limits.streamWindow,
      initialMaxStreamDataUni: 0,
      initialMaxStreamsBidi: this.limits.maxIncomingStreams,
      initialMaxStreamsUni: 0,
    }
  }

  setPeerParameters(params: TransportParameters): void {
    this.localLimit = params.initialMaxStreamsBidi
    this.flow.raiseLimit(params.initialMaxData)
    // streams we open get the peer's "remote" limit, those it opens its "local" one
    this.peerStreamWindow = params.initialMaxStreamDataBidiRemote
    this.peerRemoteOpenedWindow = params.initialMaxStreamDataBidiLocal
    for (const stream of this.streams.values()) {
      const local = this.isLocal(stream.id)
      stream.sendLimit = Math.max(
        stream.sendLimit,
        local ? this.peerStreamWindow : this.peerRemoteOpenedWindow,
      )
    }
  }

  get canOpen(): boolean {
    return this.nextLocal < this.localLimit
  }

  /** Opens a stream of ours; throws a RangeError when the peer's MAX_STREAMS is reached. */
  open(): StreamState {
    if (!this.canOpen) throw new RangeError(`the peer allows ${this.localLimit} streams`)
    const id = this.nextLocal * 4 + (this.isClient ? 0 : 1)
    this.nextLocal++
    const stream = new StreamState(id, this.limits.streamWindow, this.peerStreamWindow)
    this.streams.set(id, stream)
    return stream
  }

  write(stream: StreamState, data: Uint8Array): void {
    if (stream.finQueued || stream.resetSent)
      throw new RangeError(`stream ${stream.id} is closed for writing`)
    stream.write(data)
    this.schedule(stream)
  }

  finish(stream: StreamState): void {
    if (stream.finQueued || stream.resetSent) return
    stream.finQueued = true
    this.schedule(stream)
  }

  reset(stream: StreamState, errorCode: number): void {
    if (stream.resetSent || stream.finSent) {
      this.sweep(stream)
      return
    }
    stream.resetSent = true
    stream.clearQueue()
    this.control.push({ type: 'reset-stream', streamId: stream.id, errorCode, finalSize: stream.sendOffset })
    this.sweep(stream)
  }

  stopSending(stream: StreamState, errorCode: number): void {
    if (stream.stopSendingSent || stream.finDelivered || stream.resetReceived) return
    stream.stopSendingSent = true
    this.control.push({ type: 'stop-sending', streamId: stream.id, errorCode })
    this.sweep(stream)
  }

  /** The reader paused or resumed; resuming may grant credit. */
  setPaused(stream: StreamState, paused: boolean): void {
    stream.paused = paused
    if (!paused) this.credit(stream)
  }

  /** Handles a stream-related frame from the peer; throws QuicTransportError on a violation. */
  onFrame(frame: Frame): void {
    switch (frame.type) {
      case 'stream':
        this.onStreamFrame(frame)
        return
      case 'reset-stream': {
        const stream = this.lookup(frame.streamId)
        if (stream == null || stream.resetReceived) return
        if (
          frame.finalSize < stream.highestReceived ||
          (stream.finalSize != null && stream.finalSize !== frame.finalSize)
        ) {
          fail(TransportErrorCode.FINAL_SIZE_ERROR, `stream ${stream.id} reset at ${frame.finalSize}`)
        }
        this.received(stream, frame.finalSize)
        this.flow.onConsumed(frame.finalSize - stream.receive.offset)
        stream.resetReceived = true
        stream.finalSize = frame.finalSize
        stream.handler?.onReset(frame.errorCode)
        this.sweep(stream)
        return
      }
      case 'stop-sending': {
        const stream = this.lookup(frame.streamId)
        if (stream == null) return
        stream.handler?.onStopSending(frame.errorCode)
        this.reset(stream, frame.errorCode)
        return
      }
      case 'max-stream-data': {
        const stream = this.lookup(frame.streamId)
        if (stream == null) return
        if (frame.maximum > stream.sendLimit) {
          stream.sendLimit = frame.maximum
          this.schedule(stream)
        }
        return
      }
      case 'max-data':
        this.flow.raiseLimit(frame.maximum)
        return
      case 'max-streams':
        if (frame.bidirectional && frame.maximum > this.localLimit) {
          this.localLimit = frame.maximum
          this.onStreamCredit()
        }
        return
      case 'stream-data-blocked':
        this.lookup(frame.streamId)
        return
      default:
        return
    }
  }

  /** Whether a STREAM frame could go out now. */
  get hasSendable(): boolean {
    if (this.flow.sendRoom <= 0) {
      return this.sendOrder.some((id) => {
        const stream = this.streams.get(id)
        return stream != null && stream.queuedBytes === 0 && stream.hasSendable
      })
    }
    return this.sendOrder.length > 0
  }

  /** The next STREAM frame fitting in `space` bytes, round-robin; undefined when none. */
  nextStreamFrame(space: number): StreamFrame | undefined {
    for (let tries = this.sendOrder.length; tries > 0; tries--) {
      const id = this.sendOrder.shift() as number
      const stream = this.streams.get(id)
      if (stream == null || !stream.hasSendable) continue
      const overhead = 1 + varintLength(id) + varintLength(stream.sendOffset) + 2
      const room = Math.min(space - overhead, this.flow.sendRoom)
      if (room <= 0 && !(stream.queuedBytes === 0 && stream.finQueued)) {
        this.sendOrder.push(id)
        if (this.flow.takeBlocked()) this.control.push({ type: 'data-blocked', limit: this.flow.limit })
        if (space - overhead <= 0) return undefined
        continue
      }
      const chunk = stream.take(Math.max(room, 0))
      if (chunk == null) continue
      this.flow.sent += chunk.data.length
      if (stream.hasSendable) this.sendOrder.push(id)
      else if (stream.queuedBytes > 0 && stream.blockedAt !== stream.sendLimit) {
        stream.blockedAt = stream.sendLimit
        this.control.push({ type: 'stream-data-blocked', streamId: id, limit: stream.sendLimit })
      }
      if (stream.queuedBytes < this.limits.writeHighWater / 2) stream.handler?.onWritable()
      this.sweep(stream)
      return { type: 'stream', streamId: id, offset: chunk.offset, data: chunk.data, fin: chunk.fin }
    }
    return undefined
  }

  /** Control frames to send now (flow-control credit, resets, STOP_SENDING, blocked). */
  takeControl(): Frame[] {
    const frames = this.control.splice(0)
    if (this.flow.creditPending) frames.push({ type: 'max-data', maximum: this.flow.advertised })
    if (this.maxStreamsPending) {
      frames.push({ type: 'max-streams', bidirectional: true, maximum: this.remoteLimit })
    }
    for (const id of this.maxStreamDataPending) {
      const stream = this.streams.get(id)
      if (stream != null) frames.push({ type: 'max-stream-data', streamId: id, maximum: stream.receiveLimit })
    }
    this.flow.creditPending = false
    this.maxStreamsPending = false
    this.maxStreamDataPending.clear()
    return frames
  }

  get hasControl(): boolean {
    return (
      this.control.length > 0 ||
      this.flow.creditPending ||
      this.maxStreamsPending ||
      this.maxStreamDataPending.size > 0
    )
  }

  /**
   * A lost frame: what to send again. Credit frames are re-sent with the
   * current value; data of a stream we reset is not sent again.
   */
  onLost(frame: Frame): Frame | undefined {
    switch (frame.type) {
      case 'max-data':
        this.flow.creditPending = true
        return undefined
      case 'max-streams':
        this.maxStreamsPending = true
        return undefined
      case 'max-stream-data':
        if (this.streams.has(frame.streamId)) this.maxStreamDataPending.add(frame.streamId)
        return undefined
      case 'stream':
      case 'reset-stream':
      case 'stop-sending': {
        const stream = this.streams.get(frame.streamId)
        if (frame.type === 'stream' && stream?.resetSent === true) return undefined
        return frame
      }
      case 'stream-data-blocked':
      case 'data-blocked':
        return undefined
      default:
        return frame
    }
  }

  /** Ends every stream: the connection is gone. */
  closeAll(err?: Error): void {
    const streams = [...this.streams.values()]
    this.streams.clear()
    this.sendOrder.length = 0
    for (const stream of streams) stream.handler?.onConnectionClosed(err)
  }

  private onStreamFrame(frame: StreamFrame): void {
    const stream = this.lookup(frame.streamId)
    if (stream == null) return
    const end = frame.offset + frame.data.length
    if (end > stream.receiveLimit) {
      fail(
        TransportErrorCode.FLOW_CONTROL_ERROR,
        `stream ${stream.id} data up to ${end} > ${stream.receiveLimit}`,
      )
    }
    if (stream.finalSize != null && (end > stream.finalSize || (frame.fin && end !== stream.finalSize))) {
      fail(TransportErrorCode.FINAL_SIZE_ERROR, `stream ${stream.id} data past its final size`)
    }
    if (frame.fin) {
      if (end < stream.highestReceived) {
        fail(TransportErrorCode.FINAL_SIZE_ERROR, `stream ${stream.id} FIN below data already received`)
      }
      stream.finalSize = end
    }
    if (stream.resetReceived) return
    if (stream.stopSendingSent) {
      // we asked the peer to stop: its bytes are dropped, but they count
      // against the connection's window (and are handed back at once), and
      // its FIN still ends its writable side, as a RESET_STREAM would
      const before = stream.highestReceived
      this.received(stream, end)
      if (stream.highestReceived > before) this.flow.onConsumed(stream.highestReceived - before)
      if (frame.fin && !stream.finDelivered) {
        stream.finDelivered = true
        stream.handler?.onFin()
        this.sweep(stream)
      }
      return
    }
    this.received(stream, end)
    let data: Uint8Array
    try {
      data = stream.receive.insert(frame.offset, frame.data)
    } catch (err) {
      if (err instanceof ReassemblyLimitError) fail(TransportErrorCode.FLOW_CONTROL_ERROR, err.message)
      throw err
    }
    if (data.length > 0) {
      this.flow.onConsumed(data.length)
      if (stream.handler != null) stream.handler.onData(data)
      else stream.early.push(data)
      this.credit(stream)
    }
    if (stream.finalSize != null && stream.receive.offset === stream.finalSize && !stream.finDelivered) {
      stream.finDelivered = true
      stream.handler?.onFin()
      this.sweep(stream)
    }
  }

  /** Connection-level accounting of the highest offset seen on `stream`. */
  private received(stream: StreamState, end: number): void {
    if (end <= stream.highestReceived) return
    this.flow.onReceived(end - stream.highestReceived)
    stream.highestReceived = end
  }

  /** The stream `id` refers to, opening streams of the peer up to it; undefined once finished. */
  private lookup(id: number): StreamState | undefined {
    if ((id & 2) !== 0) {
      fail(TransportErrorCode.STREAM_LIMIT_ERROR, `unidirectional stream ${id}: we allow none`)
    }
    const index = Math.floor(id / 4)
    if (this.isLocal(id)) {
      if (index >= this.nextLocal)
        fail(TransportErrorCode.STREAM_STATE_ERROR, `stream ${id} was never opened`)
      return this.streams.get(id)
    }
    if (index >= this.remoteLimit) {
      fail(TransportErrorCode.STREAM_LIMIT_ERROR, `stream ${id} is beyond MAX_STREAMS ${this.remoteLimit}`)
    }
    while (this.remoteOpened <= index) {
      const openId = this.remoteOpened * 4 + (this.isClient ? 1 : 0)
      this.remoteOpened++
      const stream = new StreamState(openId, this.limits.streamWindow, this.peerRemoteOpenedWindow)
      this.streams.set(openId, stream)
      this.onIncoming(stream)
    }
    return this.streams.get(id)
  }

  private isLocal(id: number): boolean {
    return (id & 1) === (this.isClient ? 0 : 1)
  }

  private schedule(stream: StreamState): void {
    if (!this.sendOrder.includes(stream.id)) this.sendOrder.push(stream.id)
  }

  private credit(stream: StreamState): void {
    if (stream.paused || stream.finalSize != null) return
    const delivered = stream.receive.offset
    if (stream.receiveLimit - delivered >= stream.window / 2) return
    stream.receiveLimit = delivered + stream.window
    this.maxStreamDataPending.add(stream.id)
  }

  /** Forgets a finished stream; a finished stream of the peer's makes room for another. */
  private sweep(stream: StreamState): void {
    if (!stream.done || !this.streams.has(stream.id)) return
    this.streams.delete(stream.id)
    this.maxStreamDataPending.delete(stream.id)
    if (!this.isLocal(stream.id)) {
      this.remoteLimit++
      this.maxStreamsPending = true
    }
  }
}
