/** A growable output buffer for encoders; `finish()` returns the bytes written. */
import { varintLength, writeVarint } from './varint.js'

export class ByteWriter {
  private buffer: Uint8Array
  length = 0

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity)
  }

  private reserve(count: number): void {
    if (this.length + count <= this.buffer.length) return
    let capacity = this.buffer.length * 2
    while (capacity < this.length + count) capacity *= 2
    const next = new Uint8Array(capacity)
    next.set(this.buffer.subarray(0, this.length))
    this.buffer = next
  }

  uint8(value: number): this {
    this.reserve(1)
    this.buffer[this.length++] = value & 0xff
    return this
  }

  uint16(value: number): this {
    if (value < 0 || value > 0xffff) throw new RangeError(`${value} does not fit 16 bits`)
    this.reserve(2)
    this.buffer[this.length++] = value >>> 8
    this.buffer[this.length++] = value & 0xff
    return this
  }

  uint24(value: number): this {
    if (value < 0 || value > 0xffffff) throw new RangeError(`${value} does not fit 24 bits`)
    this.reserve(3)
    this.buffer[this.length++] = value >>> 16
    this.buffer[this.length++] = (value >>> 8) & 0xff
    this.buffer[this.length++] = value & 0xff
    return this
  }

  uint32(value: number): this {
    if (value < 0 || value > 0xffffffff) throw new RangeError(`${value} does not fit 32 bits`)
    this.reserve(4)
    this.buffer[this.length++] = value >>> 24
    this.buffer[this.length++] = (value >>> 16) & 0xff
    this.buffer[this.length++] = (value >>> 8) & 0xff
    this.buffer[this.length++] = value & 0xff
    return this
  }

  varint(value: number, length = varintLength(value)): this {
    this.reserve(length)
    this.length = writeVarint(this.buffer, this.length, value, length)
    return this
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.length)
    this.buffer.set(data, this.length)
    this.length += data.length
    return this
  }

  /** Writes a length prefix of `prefixBytes` (1, 2 or 3) after `body` runs. */
  prefixed(prefixBytes: 1 | 2 | 3, body: (writer: this) => void): this {
    const start = this.length
    this.reserve(prefixBytes)
    this.length += prefixBytes
    body(this)
    const size = this.length - start - prefixBytes
    if (size >= 2 ** (8 * prefixBytes))
      throw new RangeError(`${size} bytes exceed a ${prefixBytes}-byte length`)
    for (let i = 0; i < prefixBytes; i++) {
      this.buffer[start + i] = (size >>> (8 * (prefixBytes - 1 - i))) & 0xff
    }
    return this
  }

  /** Starts over, keeping the buffer: for a writer reused per packet. */
  reset(): this {
    this.length = 0
    return this
  }

  /** The bytes written, without a copy: valid until the next write or reset. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length)
  }

  /** The bytes written, as a fresh copy. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length)
  }
}
