/**
 * The frames a connection's streams owe the peer besides their data
 * (RFC 9000 §4, §13.3): RESET_STREAM, STOP_SENDING and *_BLOCKED as queued,
 * and the credit we grant (MAX_DATA, MAX_STREAMS, MAX_STREAM_DATA), sent
 * with its current value when due. A lost frame is turned into what to send
 * again: credit is re-sent current, blocked signals and the data of a stream
 * we reset are not.
 */
import type { Frame } from '../frame.js'
import type { ConnectionFlow } from './connection-flow.js'
import type { StreamIds } from './stream-ids.js'
import type { StreamState } from './stream-state.js'

export class StreamControl {
  private readonly queued: Frame[] = []
  /** streams whose MAX_STREAM_DATA we raised and did not send yet */
  private readonly streamCredit = new Set<number>()

  constructor(
    private readonly flow: ConnectionFlow,
    private readonly ids: StreamIds,
    private readonly streams: ReadonlyMap<number, StreamState>,
  ) {}

  /** Queues a frame sent once (a reset, STOP_SENDING, a blocked signal). */
  push(frame: Frame): void {
    this.queued.push(frame)
  }

  /** Raises the stream's MAX_STREAM_DATA by a window once half of it was delivered (not while paused). */
  credit(stream: StreamState): void {
    if (stream.paused || stream.finalSize != null) return
    const delivered = stream.receive.offset
    if (stream.receiveLimit - delivered >= stream.window / 2) return
    stream.receiveLimit = delivered + stream.window
    this.streamCredit.add(stream.id)
  }

  /** The stream is forgotten: no credit for it any more. */
  forget(id: number): void {
    this.streamCredit.delete(id)
  }

  /** Control frames to send now (flow-control credit, resets, STOP_SENDING, blocked). */
  take(): Frame[] {
    const frames = this.queued.splice(0)
    if (this.flow.creditPending) frames.push({ type: 'max-data', maximum: this.flow.advertised })
    if (this.ids.creditPending) {
      frames.push({ type: 'max-streams', bidirectional: true, maximum: this.ids.remoteLimit })
    }
    for (const id of this.streamCredit) {
      const stream = this.streams.get(id)
      if (stream != null) frames.push({ type: 'max-stream-data', streamId: id, maximum: stream.receiveLimit })
    }
    this.flow.creditPending = false
    this.ids.creditPending = false
    this.streamCredit.clear()
    return frames
  }

  get pending(): boolean {
    return (
      this.queued.length > 0 ||
      this.flow.creditPending ||
      this.ids.creditPending ||
      this.streamCredit.size > 0
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
        this.ids.creditPending = true
        return undefined
      case 'max-stream-data':
        if (this.streams.has(frame.streamId)) this.streamCredit.add(frame.streamId)
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
}
