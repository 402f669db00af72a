/**
 * Stream IDs and stream counts of one connection (RFC 9000 §2.1, §4.6): the
 * IDs of the streams we open within the peer's MAX_STREAMS, the IDs the peer
 * may use within ours, and our MAX_STREAMS, raised as the peer's streams
 * finish. Bidirectional streams only: an ID with bit 1 set is refused.
 */
import { QuicTransportError, TransportErrorCode } from '../errors.js'

function fail(code: number, message: string): never {
  throw new QuicTransportError(code, message)
}

export class StreamIds {
  /** our MAX_STREAMS: how many streams the peer may have opened in all */
  remoteLimit: number
  /** a MAX_STREAMS of ours waits to be sent */
  creditPending = false
  /** the peer's MAX_STREAMS: how many streams we may open in all */
  localLimit = 0
  private nextLocal = 0
  private remoteOpened = 0

  constructor(
    private readonly isClient: boolean,
    maxIncomingStreams: number,
  ) {
    this.remoteLimit = maxIncomingStreams
  }

  get canOpen(): boolean {
    return this.nextLocal < this.localLimit
  }

  /** The ID of a new stream of ours; throws a RangeError when the peer's MAX_STREAMS is reached. */
  openLocal(): number {
    if (!this.canOpen) throw new RangeError(`the peer allows ${this.localLimit} streams`)
    const id = this.nextLocal * 4 + (this.isClient ? 0 : 1)
    this.nextLocal++
    return id
  }

  isLocal(id: number): boolean {
    return (id & 1) === (this.isClient ? 0 : 1)
  }

  /** Throws the connection error for an ID the peer may not name: unidirectional, never opened, or beyond our limit. */
  check(id: number): void {
    if ((id & 2) !== 0) {
      fail(TransportErrorCode.STREAM_LIMIT_ERROR, `unidirectional stream ${id}: we allow none`)
    }
    const index = Math.floor(id / 4)
    if (this.isLocal(id)) {
      if (index >= this.nextLocal)
        fail(TransportErrorCode.STREAM_STATE_ERROR, `stream ${id} was never opened`)
      return
    }
    if (index >= this.remoteLimit) {
      fail(TransportErrorCode.STREAM_LIMIT_ERROR, `stream ${id} is beyond MAX_STREAMS ${this.remoteLimit}`)
    }
  }

  /**
   * The next stream of the peer's that naming `id` opens (a peer opens its
   * streams in order, so naming one opens every lower one too), or -1 once
   * all up to `id` are open. `id` is the peer's and passed `check`.
   */
  openRemote(id: number): number {
    if (this.remoteOpened > Math.floor(id / 4)) return -1
    const openId = this.remoteOpened * 4 + (this.isClient ? 1 : 0)
    this.remoteOpened++
    return openId
  }

  /** A stream of the peer's finished: it may open another. */
  onRemoteFinished(): void {
    this.remoteLimit++
    this.creditPending = true
  }
}
