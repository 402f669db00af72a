/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/),
 * for the hand-written codecs of libp2p messages (keys, envelopes, peer
 * records, Noise payloads, identify):
 *
 * - a message is a sequence of records, each a varint tag
 *   `field << 3 | wireType` followed by its value: a varint (wire type 0),
 *   eight bytes (1), a varint length and that many bytes (2), four bytes (5);
 *   the deprecated groups (3, 4) and the unused types 6, 7 are refused;
 * - protobuf varints are not multiformats unsigned-varints (see varint.ts):
 *   they may take up to 10 bytes, carry 64 bits and be padded (non-minimal).
 *
 * `ProtobufReader` is lazy, total and bounded: it holds only an offset, every
 * step advances or throws `InvalidProtobufError` (test for it with
 * `isInvalidProtobufError`), and optional limits refuse
 * oversized input (`MessageTooLargeError`) or field floods
 * (`LimitExceededError`). `ProtobufWriter` computes the size first and
 * encodes in one allocation, fields in ascending number order.
 */
import { InvalidProtobufError, LimitExceededError, MessageTooLargeError } from './errors.js'
import { encodeVarintInto, varintLength } from './varint.js'

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH_DELIMITED = 2
export const WIRE_FIXED32 = 5

/** The largest field number protobuf allows (2^29 - 1). */
export const MAX_FIELD_NUMBER = 0x1fffffff
const MAX_UINT64 = 0xffffffffffffffffn
const MAX_VARINT_BYTES = 10

/**
 * Whether `err` is an `InvalidProtobufError`, matched on its name so an error
 * from another copy of @weft/utils counts too. Decoders use it to turn the
 * error into their own class at their API boundary.
 */
export function isInvalidProtobufError(err: unknown): err is InvalidProtobufError {
  return err instanceof Error && err.name === InvalidProtobufError.name
}

/**
 * One record. Varints come as bigint (uint64; use `Number()` for small
 * ones); every other value is a view into the input, not a copy.
 */
export type ProtobufField =
  | { field: number; wireType: typeof WIRE_VARINT; value: bigint }
  | {
      field: number
      wireType: typeof WIRE_FIXED64 | typeof WIRE_LENGTH_DELIMITED | typeof WIRE_FIXED32
      value: Uint8Array
    }

export interface ProtobufReaderOptions {
  /** refuse input longer than this many bytes with `MessageTooLargeError` (default: no limit) */
  maxSize?: number
  /** refuse a message of more than this many fields with `LimitExceededError` (default: no limit) */
  maxFields?: number
}

/**
 * Reads the fields of one message in the order they were written, unknown
 * ones included (skipping them is the caller's `continue`). Iterate it with
 * `for…of`, or call `read()` until it returns undefined.
 */
export class ProtobufReader implements IterableIterator<ProtobufField> {
  private offset = 0
  private fields = 0
  private readonly maxFields: number

  constructor(
    private readonly bytes: Uint8Array,
    options: ProtobufReaderOptions = {},
  ) {
    const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY
    if (bytes.byteLength > maxSize) throw new MessageTooLargeError(bytes.byteLength, maxSize)
    this.maxFields = options.maxFields ?? Number.POSITIVE_INFINITY
  }

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.offset >= this.bytes.byteLength
  }

  /** The next field, or undefined at the end of the input. */
  read(): ProtobufField | undefined {
    const bytes = this.bytes
    const start = this.offset
    if (start >= bytes.byteLength) return undefined
    if (this.fields >= this.maxFields) {
      throw new LimitExceededError(`expected at most ${this.maxFields} protobuf fields, got more`)
    }
    const tagEnd = this.varintEnd(start, 'field tag')
    const tag = varintNumber(bytes, start, tagEnd)
    if (tag > 0xffffffff) throw new InvalidProtobufError(`field tag at byte ${start} exceeds 32 bits`)
    const field = Math.floor(tag / 8)
    const wireType = tag % 8
    if (field === 0) throw new InvalidProtobufError(`field number 0 is not allowed (tag at byte ${start})`)
    let result: ProtobufField
    switch (wireType) {
      case WIRE_VARINT: {
        const end = this.varintEnd(tagEnd, `varint of field ${field}`)
        result = { field, wireType, value: varintBigInt(bytes, tagEnd, end) }
        this.offset = end
        break
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const size = wireType === WIRE_FIXED64 ? 8 : 4
        if (size > bytes.byteLength - tagEnd) {
          throw new InvalidProtobufError(`truncated fixed${size * 8} field ${field} at byte ${start}`)
        }
        result = { field, wireType, value: bytes.subarray(tagEnd, tagEnd + size) }
        this.offset = tagEnd + size
        break
      }
      case WIRE_LENGTH_DELIMITED: {
        const lengthEnd = this.varintEnd(tagEnd, `length of field ${field}`)
        const length = varintNumber(bytes, tagEnd, lengthEnd)
        const remaining = bytes.byteLength - lengthEnd
        if (length > remaining) {
          throw new InvalidProtobufError(
            `field ${field} announces ${length} bytes but only ${remaining} remain`,
          )
        }
        result = { field, wireType, value: bytes.subarray(lengthEnd, lengthEnd + length) }
        this.offset = lengthEnd + length
        break
      }
      default:
        throw new InvalidProtobufError(`unsupported wire type ${wireType} in field ${field}`)
    }
    this.fields++
    return result
  }

  next(): IteratorResult<ProtobufField, undefined> {
    const value = this.read()
    return value === undefined ? { done: true, value: undefined } : { done: false, value }
  }

  [Symbol.iterator](): this {
    return this
  }

  /** Checks the varint at `start` and returns the offset after it. */
  private varintEnd(start: number, what: string): number {
    const bytes = this.bytes
    const limit = Math.min(start + MAX_VARINT_BYTES, bytes.byteLength)
    for (let i = start; i < limit; i++) {
      const byte = bytes[i]!
      if (byte < 0x80) {
        // the tenth byte holds bit 63 only
        if (i - start === MAX_VARINT_BYTES - 1 && byte > 1) {
          throw new InvalidProtobufError(`${what} at byte ${start} exceeds 64 bits`)
        }
        return i + 1
      }
    }
    if (limit - start < MAX_VARINT_BYTES) throw new InvalidProtobufError(`truncated ${what} at byte ${start}`)
    throw new InvalidProtobufError(`${what} at byte ${start} is longer than ${MAX_VARINT_BYTES} bytes`)
  }
}

/** A checked varint as a number: exact up to 2^53, approximate past it (then only compared with limits). */
function varintNumber(bytes: Uint8Array, start: number, end: number): number {
  let value = 0
  let multiplier = 1
  for (let i = start; i < end; i++) {
    value += (bytes[i]! & 0x7f) * multiplier
    multiplier *= 0x80
  }
  return value
}

function varintBigInt(bytes: Uint8Array, start: number, end: number): bigint {
  // seven bytes carry 49 bits, exact as a number
  if (end - start <= 7) return BigInt(varintNumber(bytes, start, end))
  let value = 0n
  for (let i = end - 1; i >= start; i--) value = (value << 7n) | BigInt(bytes[i]! & 0x7f)
  return value
}

function bigVarintLength(value: bigint): number {
  let length = 1
  while (value >= 0x80n) {
    value >>= 7n
    length++
  }
  return length
}

function encodeBigVarintInto(value: bigint, target: Uint8Array, offset: number): number {
  let position = offset
  while (value >= 0x80n) {
    target[position++] = Number(value & 0x7fn) | 0x80
    value >>= 7n
  }
  target[position++] = Number(value)
  return position - offset
}

type Entry =
  | { field: number; wireType: typeof WIRE_VARINT; value: number | bigint }
  | { field: number; wireType: typeof WIRE_LENGTH_DELIMITED; value: Uint8Array | ProtobufWriter }

const textEncoder = new TextEncoder()

/**
 * Builds one message. Fields come out in ascending field-number order
 * whatever order they were added in (repeated fields keep theirs), with
 * minimal varints, so equal messages encode to equal bytes. The writer adds
 * what it is given: leaving out proto3 defaults is the caller's choice.
 */
export class ProtobufWriter {
  private readonly entries: Entry[] = []
  private ordered = true

  /** A uint64 (or int64 ≥ 0) varint field. */
  uint64(field: number, value: bigint): this {
    if (typeof value !== 'bigint' || value < 0n || value > MAX_UINT64) {
      throw new RangeError(`field ${field}: expected a uint64 bigint, got ${String(value)}`)
    }
    return this.add({
      field,
      wireType: WIRE_VARINT,
      value: value <= 0x1fffffffffffffn ? Number(value) : value,
    })
  }

  /** A varint field (uint32, uint64, enum or bool) from a non-negative safe integer. */
  varint(field: number, value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`field ${field}: expected a non-negative safe integer, got ${value}`)
    }
    return this.add({ field, wireType: WIRE_VARINT, value })
  }

  /** A length-delimited field; the bytes are copied at `finish()`, not before. */
  bytes(field: number, value: Uint8Array): this {
    return this.add({ field, wireType: WIRE_LENGTH_DELIMITED, value })
  }

  /** A length-delimited field holding `value` as UTF-8. */
  string(field: number, value: string): this {
    return this.add({ field, wireType: WIRE_LENGTH_DELIMITED, value: textEncoder.encode(value) })
  }

  /** An embedded message; encoded at `finish()`, so it may still grow until then (it must not contain this writer). */
  message(field: number, value: ProtobufWriter): this {
    if (value === this) throw new RangeError(`field ${field}: a message cannot contain itself`)
    return this.add({ field, wireType: WIRE_LENGTH_DELIMITED, value })
  }

  /** The size of the encoded message, without a length prefix. */
  get byteLength(): number {
    let size = 0
    for (const entry of this.entries) {
      size += varintLength(entry.field * 8 + entry.wireType)
      if (entry.wireType === WIRE_VARINT) {
        size += typeof entry.value === 'number' ? varintLength(entry.value) : bigVarintLength(entry.value)
      } else {
        const length = entry.value.byteLength
        size += varintLength(length) + length
      }
    }
    return size
  }

  /**
   * The encoded message in a fresh buffer; with `lengthPrefixed` its varint
   * length comes first, in the same allocation (as length-prefixed protocols
   * send it).
   */
  finish(options: { lengthPrefixed?: boolean } = {}): Uint8Array {
    const size = this.byteLength
    const prefix = options.lengthPrefixed === true ? varintLength(size) : 0
    const out = new Uint8Array(prefix + size)
    if (prefix > 0) encodeVarintInto(size, out, 0)
    this.encodeInto(out, prefix)
    return out
  }

  /** Writes the message into `target` at `offset`; returns the bytes written. */
  encodeInto(target: Uint8Array, offset = 0): number {
    if (!this.ordered) {
      this.entries.sort((a, b) => a.field - b.field) // stable: repeated fields keep their order
      this.ordered = true
    }
    let position = offset
    for (const entry of this.entries) {
      position += encodeVarintInto(entry.field * 8 + entry.wireType, target, position)
      if (entry.wireType === WIRE_VARINT) {
        position +=
          typeof entry.value === 'number'
            ? encodeVarintInto(entry.value, target, position)
            : encodeBigVarintInto(entry.value, target, position)
      } else if (entry.value instanceof Uint8Array) {
        position += encodeVarintInto(entry.value.byteLength, target, position)
        target.set(entry.value, position)
        position += entry.value.byteLength
      } else {
        const length = entry.value.byteLength
        position += encodeVarintInto(length, target, position)
        position += entry.value.encodeInto(target, position)
      }
    }
    return position - offset
  }

  private add(entry: Entry): this {
    if (!Number.isInteger(entry.field) || entry.field < 1 || entry.field > MAX_FIELD_NUMBER) {
      throw new RangeError(`expected a field number from 1 to ${MAX_FIELD_NUMBER}, got ${entry.field}`)
    }
    const last = this.entries[this.entries.length - 1]
    if (last !== undefined && last.field > entry.field) this.ordered = false
    this.entries.push(entry)
    return this
  }
}
