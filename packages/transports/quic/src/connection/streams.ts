/**
 * The streams of one connection (RFC 9000 §2–§4): stream IDs and limits
 * (MAX_STREAMS both ways), connection and stream flow control (MAX_DATA,
 * MAX_STREAM_DATA credit as data is delivered, *_BLOCKED when the peer's
 * limits stop us), the stream frames received, and the STREAM frames to send,
 * round-robin over streams with data. Only bidirectional streams: libp2p
 * uses no others, so we advertise zero unidirectional streams and a peer
 * that opens one breaks our limit (STREAM_LIMIT_ERROR).
 *
 * Stream IDs and counts are in `stream-ids.ts`, the control frames owed to
 * the peer (credit, resets, blocked) in `stream-control.ts`.
 */
import { QuicTransportError, TransportErrorCode } from '../errors.js'
import type { Frame } from '../frame.js'
import { ReassemblyLimitError } from '../reassembly-buffer.js'
import type { TransportParameters } from '../transport-parameters.js'
import { varintLength } from '../varint.js'
import { ConnectionFlow } from './connection-flow.js'
import { StreamControl } from './stream-control.js'
import { StreamIds } from './stream-ids.js'
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
  /** the peer's initial MAX_STREAM_DATA for streams we open, and for those it opens */
  private peerStreamWindow = 0
  private peerRemoteOpenedWindow = 0
  private readonly flow: ConnectionFlow
  private readonly ids: StreamIds
  private readonly control: StreamControl
  private readonly sendOrder: number[] = []

  constructor(
    isClient: boolean,
    readonly limits: StreamLimits,
  ) {
    this.flow = new ConnectionFlow(limits.connectionWindow)
    this.ids = new StreamIds(isClient, limits.maxIncomingStreams)
    this.control = new StreamControl(this.flow, this.ids, this.streams)
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
    this.ids.localLimit = params.initialMaxStreamsBidi
    this.flow.raiseLimit(params.initialMaxData)
    // streams we open get the peer's "remote" limit, those it opens its "local" one
    this.peerStreamWindow = params.initialMaxStreamDataBidiRemote
    this.peerRemoteOpenedWindow = params.initialMaxStreamDataBidiLocal
    for (const stream of this.streams.values()) {
      const local = this.ids.isLocal(stream.id)
      stream.sendLimit = Math.max(
        stream.sendLimit,
        local ? this.peerStreamWindow : this.peerRemoteOpenedWindow,
      )
    }
  }

  get canOpen(): boolean {
    return this.ids.canOpen
  }

  /** Opens a stream of ours; throws a RangeError when the peer's MAX_STREAMS is reached. */
  open(): StreamState {
    const id = this.ids.openLocal()
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
    if (!paused) this.control.credit(stream)
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
        if (frame.bidirectional && frame.maximum > this.ids.localLimit) {
          this.ids.localLimit = frame.maximum
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
    return this.control.take()
  }

  get hasControl(): boolean {
    return this.control.pending
  }

  /** A lost frame: what to send again (`StreamControl.onLost`). */
  onLost(frame: Frame): Frame | undefined {
    return this.control.onLost(frame)
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
      this.control.credit(stream)
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
    this.ids.check(id)
    if (this.ids.isLocal(id)) return this.streams.get(id)
    for (let openId = this.ids.openRemote(id); openId >= 0; openId = this.ids.openRemote(id)) {
      const stream = new StreamState(openId, this.limits.streamWindow, this.peerRemoteOpenedWindow)
      this.streams.set(openId, stream)
      this.onIncoming(stream)
    }
    return this.streams.get(id)
  }

  private schedule(stream: StreamState): void {
    if (!this.sendOrder.includes(stream.id)) this.sendOrder.push(stream.id)
  }

  /** Forgets a finished stream; a finished stream of the peer's makes room for another. */
  private sweep(stream: StreamState): void {
    if (!stream.done || !this.streams.has(stream.id)) return
    this.streams.delete(stream.id)
    this.control.forget(stream.id)
    if (!this.ids.isLocal(stream.id)) this.ids.onRemoteFinished()
  }
}
