/**
 * The streams of one session and the bookkeeping behind its limits: how many
 * each side opened, which inbound streams still wait for a `'stream'`
 * listener ("early streams"), how many of ours the remote has not
 * acknowledged (the ACK backlog), and how many streams the remote opened
 * beyond `maxInboundStreams` since room was last made.
 */
import { AckBacklog } from './ack-backlog.js'
import { TooManyInboundStreamsError } from './errors.js'
import type { YamuxStream } from './stream.js'

export class StreamTable {
  readonly backlog = new AckBacklog()
  /** inbound streams open */
  inbound = 0
  /** outbound streams open, plus `createStream` calls still waiting */
  outbound = 0
  /** inbound streams refused for lack of room since an inbound stream last closed */
  refused = 0
  private readonly streams = new Map<number, YamuxStream>()
  private early: YamuxStream[] = []

  get earlyCount(): number {
    return this.early.length
  }

  get(id: number): YamuxStream | undefined {
    return this.streams.get(id)
  }

  has(id: number): boolean {
    return this.streams.has(id)
  }

  list(): YamuxStream[] {
    return Array.from(this.streams.values())
  }

  /**
   * Why a new inbound stream must be refused (reset), or undefined to accept
   * it. `maxEarly` applies while nobody listens for streams. A remote that
   * keeps opening streams beyond the limit (more than `max(64, maxInbound)`
   * since room was last made) is a protocol error: this throws.
   */
  refusal(maxInbound: number, maxEarly?: number): string | undefined {
    if (this.inbound >= maxInbound) {
      this.refused++
      if (this.refused > Math.max(64, maxInbound)) {
        throw new TooManyInboundStreamsError(
          `the remote opened ${this.refused} streams beyond the limit of ${maxInbound}`,
        )
      }
      return `${this.inbound} inbound streams are open`
    }
    if (maxEarly != null && this.early.length >= maxEarly) {
      return `${this.early.length} streams wait for a 'stream' listener`
    }
    return undefined
  }

  /** Adds a stream; an outbound one must have reserved its slot in `outbound` and the backlog. */
  add(stream: YamuxStream, early = false): void {
    this.streams.set(stream.streamId, stream)
    if (stream.direction === 'inbound') {
      this.inbound++
      if (early) this.early.push(stream)
    }
  }

  /** The remote showed it accepted one of our streams. */
  acknowledge(stream: YamuxStream): void {
    if (stream.acknowledged) return
    stream.acknowledged = true
    this.backlog.release()
  }

  /** Forgets a closed stream and frees what it held. */
  remove(stream: YamuxStream): void {
    if (this.streams.get(stream.streamId) !== stream) return
    this.streams.delete(stream.streamId)
    if (stream.direction === 'inbound') {
      this.inbound--
      this.refused = 0
      const index = this.early.indexOf(stream)
      if (index !== -1) this.early.splice(index, 1)
    } else {
      this.outbound--
      this.acknowledge(stream)
    }
  }

  /** The early streams still open, in the order they came; the list is emptied. */
  takeEarly(): YamuxStream[] {
    const early = this.early.filter((stream) => this.streams.get(stream.streamId) === stream)
    this.early = []
    return early
  }
}
