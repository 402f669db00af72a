/**
 * A streaming yamux frame decoder. It is fed the chunks the connection
 * delivers and reports frames to a handler as soon as their bytes are there:
 * Data payloads are passed on piece by piece as `subarray` views of the
 * incoming chunks, never copied or buffered whole, so a large frame costs no
 * memory here and its bytes reach the stream without delay. At most 11 bytes of
 * a header split across chunks are held.
 */
import { decodeHeader, type FrameHeader, FrameType, HEADER_LENGTH } from './frame.js'

export interface FrameHandler {
  /** A Window Update, Ping or GoAway frame. */
  onFrame(header: FrameHeader): void
  /** The header of a Data frame; its payload follows in `onData` calls. */
  onDataStart(header: FrameHeader): void
  /** Part of the current Data frame's payload (never empty). */
  onData(chunk: Uint8Array): void
  /** The current Data frame's payload is complete. */
  onDataEnd(header: FrameHeader): void
}

export class FrameDecoder {
  private readonly partial = new Uint8Array(HEADER_LENGTH)
  private partialLength = 0
  private current?: FrameHeader
  private payloadRemaining = 0
  private stopped = false

  constructor(private readonly handler: FrameHandler) {}

  /** True while a frame has started but not all of its bytes have arrived. */
  get insideFrame(): boolean {
    return this.partialLength > 0 || this.current != null
  }

  /** Stops decoding for good, also in the middle of a `push` (called from a handler). */
  stop(): void {
    this.stopped = true
  }

  /** Decodes `chunk`; handler errors and InvalidFrameError propagate (then stop the decoder). */
  push(chunk: Uint8Array): void {
    const end = chunk.byteLength
    let offset = 0
    try {
      while (offset < end && !this.stopped) {
        const current = this.current
        if (current != null) {
          const length = Math.min(this.payloadRemaining, end - offset)
          this.payloadRemaining -= length
          const piece = chunk.subarray(offset, offset + length)
          offset += length
          if (this.payloadRemaining === 0) this.current = undefined
          this.handler.onData(piece)
          if (this.current == null && !this.stopped) this.handler.onDataEnd(current)
          continue
        }
        let header: FrameHeader
        if (this.partialLength === 0 && end - offset >= HEADER_LENGTH) {
          header = decodeHeader(chunk, offset)
          offset += HEADER_LENGTH
        } else {
          const take = Math.min(HEADER_LENGTH - this.partialLength, end - offset)
          this.partial.set(chunk.subarray(offset, offset + take), this.partialLength)
          this.partialLength += take
          offset += take
          if (this.partialLength < HEADER_LENGTH) return
          this.partialLength = 0
          header = decodeHeader(this.partial, 0)
        }
        if (header.type !== FrameType.Data) {
          this.handler.onFrame(header)
        } else if (header.length === 0) {
          this.handler.onDataStart(header)
          if (!this.stopped) this.handler.onDataEnd(header)
        } else {
          this.current = header
          this.payloadRemaining = header.length
          this.handler.onDataStart(header)
        }
      }
    } catch (err) {
      this.stopped = true
      throw err
    }
  }
}
