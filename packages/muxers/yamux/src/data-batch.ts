/**
 * Inbound Data payloads waiting to be handed to their stream. Consecutive
 * Data frames of one stream within one read of the connection are delivered
 * as a single message, so a burst of small frames costs one `'message'` event,
 * not one per frame; the pieces are views of the incoming chunks, not copies.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import type { YamuxStream } from './stream.js'

export class DataBatch {
  private stream?: YamuxStream
  private pieces: Uint8Array[] = []

  /** Adds payload for `stream`, first delivering what another stream had pending. */
  add(stream: YamuxStream, piece: Uint8Array): void {
    if (this.stream !== stream) {
      this.deliver()
      this.stream = stream
    }
    this.pieces.push(piece)
  }

  /** Delivers what is pending unless it belongs to stream `streamId`. */
  deliverUnlessFor(streamId: number): void {
    if (this.stream != null && this.stream.streamId !== streamId) this.deliver()
  }

  deliver(): void {
    const stream = this.stream
    if (stream == null) return
    const pieces = this.pieces
    this.stream = undefined
    this.pieces = []
    stream.receiveData(pieces.length === 1 ? pieces[0] : new Uint8ArrayList(...pieces))
  }

  /** Drops what is pending (the session failed). */
  clear(): void {
    this.stream = undefined
    this.pieces = []
  }
}
