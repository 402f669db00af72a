/**
 * A bounded cursor over received bytes. Every read past the end, and every
 * `fail`, throws the error the owner chose at construction
 * (FrameEncodingError for frames, MalformedPacketError for headers, a TLS
 * decode_error for handshake messages), so each codec is total: it returns
 * a value or throws its own typed error, never a RangeError.
 */
import { readVarint } from './varint.js'

export type ErrorFactory = (message: string) => Error

export class ByteReader {
  offset: number

  constructor(
    readonly bytes: Uint8Array,
    private readonly error: ErrorFactory,
    offset = 0,
    private readonly end = bytes.length,
  ) {
    this.offset = offset
  }

  get remaining(): number {
    return this.end - this.offset
  }

  get done(): boolean {
    return this.offset >= this.end
  }

  fail(message: string): never {
    throw this.error(message)
  }

  private need(count: number, what: string): void {
    if (count > this.end - this.offset) {
      this.fail(`${what}: needs ${count} bytes, ${this.end - this.offset} left`)
    }
  }

  uint8(what = 'a byte'): number {
    this.need(1, what)
    return this.bytes[this.offset++] as number
  }

  uint16(what = 'a uint16'): number {
    this.need(2, what)
    const b = this.bytes
    const value = ((b[this.offset] as number) << 8) | (b[this.offset + 1] as number)
    this.offset += 2
    return value
  }

  uint24(what = 'a uint24'): number {
    this.need(3, what)
    const b = this.bytes
    const value =
      ((b[this.offset] as number) << 16) |
      ((b[this.offset + 1] as number) << 8) |
      (b[this.offset + 2] as number)
    this.offset += 3
    return value
  }

  uint32(what = 'a uint32'): number {
    this.need(4, what)
    const b = this.bytes
    const value =
      (b[this.offset] as number) * 0x1000000 +
      (((b[this.offset + 1] as number) << 16) |
        ((b[this.offset + 2] as number) << 8) |
        (b[this.offset + 3] as number))
    this.offset += 4
    return value
  }

  varint(what = 'a varint'): number {
    const read = readVarint(this.bytes.subarray(0, this.end), this.offset)
    if (read == null) this.fail(`${what}: the bytes end inside a varint`)
    this.offset += read.length
    return read.value
  }

  /** `count` bytes as a view (no copy). */
  bytesView(count: number, what = 'bytes'): Uint8Array {
    this.need(count, what)
    const view = this.bytes.subarray(this.offset, this.offset + count)
    this.offset += count
    return view
  }

  /** `count` bytes copied, for values kept after the datagram buffer is reused. */
  bytesCopy(count: number, what = 'bytes'): Uint8Array {
    return this.bytesView(count, what).slice()
  }

  /** A reader over the next `count` bytes; this reader skips past them. */
  sub(count: number, what = 'a nested block'): ByteReader {
    this.need(count, what)
    const child = new ByteReader(this.bytes, this.error, this.offset, this.offset + count)
    this.offset += count
    return child
  }

  /** Throws unless everything was read. */
  expectEnd(what: string): void {
    if (this.offset !== this.end) this.fail(`${this.end - this.offset} unexpected bytes after ${what}`)
  }
}
