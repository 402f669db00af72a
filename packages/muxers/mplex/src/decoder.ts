/**
 * A streaming mplex frame decoder. Chunks go in as they arrive from the
 * connection; each complete frame comes out as `(id, type, body)`, where the
 * body is a view into the received bytes (no copy): a `Uint8Array` when the
 * frame lay within one chunk, a `Uint8ArrayList` when it spanned several.
 *
 * Bounded: between calls it holds at most one incomplete frame, whose body is
 * at most `maxMessageSize` bytes (a larger announced length throws before
 * anything is buffered), so `bufferedBytes` never exceeds `maxMessageSize + 14`.
 * Varints may be non-minimal (the spec does not forbid it) but are at most 9
 * bytes for the header and 5 for the length.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { FrameTooLargeError, InvalidFrameError } from './errors.js'
import { MAX_MESSAGE_TYPE, type MessageType } from './frame.js'

const MAX_HEADER_VARINT_BYTES = 9
const MAX_LENGTH_VARINT_BYTES = 5
const EMPTY = new Uint8Array(0)

export type FrameHandler = (id: number, type: MessageType, body: Uint8Array | Uint8ArrayList) => void

/** Where a frame's parts lie, relative to where it starts. */
interface FrameLayout {
  header: number
  bodyStart: number
  bodyEnd: number
}

export class FrameDecoder {
  /** the start of a frame that has not fully arrived */
  private readonly partial = new Uint8ArrayList()
  private readonly layout: FrameLayout = { header: 0, bodyStart: 0, bodyEnd: 0 }
  /** scratch result of the varint readers: value, then bytes read */
  private varintValue = 0
  private varintBytes = 0

  constructor(private readonly maxMessageSize: number) {}

  /** Bytes held while a frame is incomplete. */
  get bufferedBytes(): number {
    return this.partial.byteLength
  }

  /**
   * Calls `onFrame` for every frame completed by `chunk`, in order. Throws
   * `InvalidFrameError` or `FrameTooLargeError` on malformed input; the
   * decoder is then unusable. `shouldStop` is checked after each frame so a
   * handler that closes the connection ends decoding.
   */
  decode(chunk: Uint8Array | Uint8ArrayList, onFrame: FrameHandler, shouldStop?: () => boolean): void {
    if (chunk instanceof Uint8Array) {
      this.decodeArray(chunk, onFrame, shouldStop)
      return
    }
    for (const buf of chunk) {
      if (!this.decodeArray(buf, onFrame, shouldStop)) return
    }
  }

  /** Returns false when asked to stop. */
  private decodeArray(buf: Uint8Array, onFrame: FrameHandler, shouldStop?: () => boolean): boolean {
    let offset = 0
    if (this.partial.byteLength > 0) {
      // finish the frame that spans chunks, then go on without the list
      const partial = this.partial
      const before = partial.byteLength
      partial.append(buf)
      if (!this.parseLayout(partial, 0, partial.byteLength)) return true
      const { header, bodyStart, bodyEnd } = this.layout
      if (partial.byteLength < bodyEnd) return true
      const body = bodyEnd === bodyStart ? EMPTY : partial.sublist(bodyStart, bodyEnd)
      partial.consume(partial.byteLength)
      offset = bodyEnd - before
      onFrame(Math.floor(header / 8), (header % 8) as MessageType, body)
      if (shouldStop?.() === true) return false
    }
    const length = buf.byteLength
    while (offset < length) {
      if (!this.parseLayout(buf, offset, length)) break
      const { header, bodyStart, bodyEnd } = this.layout
      if (offset + bodyEnd > length) break
      const body = bodyEnd === bodyStart ? EMPTY : buf.subarray(offset + bodyStart, offset + bodyEnd)
      offset += bodyEnd
      onFrame(Math.floor(header / 8), (header % 8) as MessageType, body)
      if (shouldStop?.() === true) return false
    }
    if (offset < length) this.partial.append(offset === 0 ? buf : buf.subarray(offset))
    return true
  }

  /**
   * Reads header and length of the frame at `start`, into `layout` (offsets
   * relative to `start`). Returns false when they have not fully arrived.
   */
  private parseLayout(bytes: Uint8Array | Uint8ArrayList, start: number, end: number): boolean {
    if (!this.readVarint(bytes, start, end, MAX_HEADER_VARINT_BYTES)) return false
    const header = this.varintValue
    const headerBytes = this.varintBytes
    const type = header % 8
    if (type > MAX_MESSAGE_TYPE) {
      throw new InvalidFrameError(`expected a frame flag from 0 to ${MAX_MESSAGE_TYPE}, received ${type}`)
    }
    if (!this.readVarint(bytes, start + headerBytes, end, MAX_LENGTH_VARINT_BYTES)) return false
    const length = this.varintValue
    if (length > this.maxMessageSize) throw new FrameTooLargeError(length, this.maxMessageSize)
    this.layout.header = header
    this.layout.bodyStart = headerBytes + this.varintBytes
    this.layout.bodyEnd = this.layout.bodyStart + length
    return true
  }

  /** Reads an unsigned varint at `offset` into `varintValue`/`varintBytes`; false if `end` comes first. */
  private readVarint(
    bytes: Uint8Array | Uint8ArrayList,
    offset: number,
    end: number,
    maxBytes: number,
  ): boolean {
    const array = bytes instanceof Uint8Array ? bytes : undefined
    let value = 0
    let multiplier = 1
    for (let i = 0; i < maxBytes; i++) {
      if (offset + i >= end) return false
      const byte = array != null ? array[offset + i]! : (bytes as Uint8ArrayList).get(offset + i)
      value += (byte & 0x7f) * multiplier
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) {
          throw new InvalidFrameError(
            'expected a varint within the safe integer range, received a larger one',
          )
        }
        this.varintValue = value
        this.varintBytes = i + 1
        return true
      }
      multiplier *= 0x80
    }
    throw new InvalidFrameError(`expected a varint of at most ${maxBytes} bytes, received a longer one`)
  }
}
