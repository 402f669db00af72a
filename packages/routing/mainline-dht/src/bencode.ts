/**
 * Bencode (BEP3 "bencoding") with strict bounds. Byte strings decode to
 * `Uint8Array`, integers to safe JavaScript numbers, dictionary keys to
 * latin1 strings (one char per byte, so any key round-trips and sorts as raw
 * bytes). Every malformed or oversized input throws `BencodeError`, nothing
 * else: the decoder runs on bytes from anyone.
 */
import { BencodeError } from './errors.js'

export type BencodeValue = Uint8Array | number | BencodeValue[] | BencodeDict
export interface BencodeDict {
  [key: string]: BencodeValue
}
/** What `encode` accepts: text strings are written as UTF-8 byte strings. */
export type Bencodable = BencodeValue | string | Bencodable[] | { [key: string]: Bencodable | undefined }

export interface DecodeLimits {
  /** Largest input, bytes (default 65 536; a UDP datagram is smaller). */
  maxBytes?: number
  /** Deepest nesting of lists and dictionaries (default 16). */
  maxDepth?: number
  /** Most values in all, at every depth (default 4 096). */
  maxItems?: number
  /** Longest byte string (default: `maxBytes`). */
  maxStringLength?: number
}

const DEFAULT_MAX_BYTES = 65_536
const MAX_INTEGER_DIGITS = 16 // Number.MAX_SAFE_INTEGER has 16 digits

const I = 0x69
const L = 0x6c
const D = 0x64
const E = 0x65
const COLON = 0x3a
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39

class Decoder {
  offset = 0
  items = 0
  constructor(
    readonly bytes: Uint8Array,
    readonly maxDepth: number,
    readonly maxItems: number,
    readonly maxStringLength: number,
  ) {}

  fail(fault: BencodeError['fault'], message: string): never {
    throw new BencodeError(fault, this.offset, message)
  }

  peek(): number {
    if (this.offset >= this.bytes.length) this.fail('truncated', 'input ended inside a value')
    return this.bytes[this.offset] as number
  }

  value(depth: number): BencodeValue {
    if (++this.items > this.maxItems) this.fail('too-many-items', `more than ${this.maxItems} values`)
    const byte = this.peek()
    if (byte === I) return this.integer()
    if (byte >= ZERO && byte <= NINE) return this.string()
    if (byte !== L && byte !== D)
      this.fail('unexpected-byte', `expected i, l, d or a digit, got byte ${byte}`)
    if (depth >= this.maxDepth) this.fail('too-deep', `nesting deeper than ${this.maxDepth}`)
    this.offset++
    return byte === L ? this.list(depth + 1) : this.dict(depth + 1)
  }

  integer(): number {
    this.offset++ // 'i'
    const start = this.offset
    const negative = this.peek() === MINUS
    if (negative) this.offset++
    const digitsStart = this.offset
    while (this.peek() !== E) {
      const byte = this.bytes[this.offset] as number
      if (byte < ZERO || byte > NINE) this.fail('bad-integer', `expected a digit or e, got byte ${byte}`)
      if (this.offset - digitsStart >= MAX_INTEGER_DIGITS)
        this.fail('integer-too-large', 'integer beyond 2^53')
      this.offset++
    }
    const digits = this.offset - digitsStart
    if (digits === 0) this.fail('bad-integer', 'integer without digits')
    const first = this.bytes[digitsStart]
    if (first === ZERO && (digits > 1 || negative))
      this.fail('bad-integer', 'integer with a leading zero or -0')
    const text = String.fromCharCode(...this.bytes.subarray(start, this.offset))
    this.offset++ // 'e'
    const value = Number(text)
    if (!Number.isSafeInteger(value)) this.fail('integer-too-large', 'integer beyond 2^53')
    return value
  }

  string(): Uint8Array {
    const start = this.offset
    let length = 0
    while (this.peek() !== COLON) {
      const byte = this.bytes[this.offset] as number
      if (byte < ZERO || byte > NINE) this.fail('bad-length', `expected a digit or :, got byte ${byte}`)
      length = length * 10 + (byte - ZERO)
      if (length > this.maxStringLength) {
        this.fail('string-too-long', `byte string longer than ${this.maxStringLength}`)
      }
      this.offset++
    }
    if (this.offset - start > 1 && this.bytes[start] === ZERO)
      this.fail('bad-length', 'length with a leading zero')
    this.offset++ // ':'
    if (this.offset + length > this.bytes.length)
      this.fail('truncated', `byte string of ${length} past the end`)
    const value = this.bytes.slice(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  list(depth: number): BencodeValue[] {
    const list: BencodeValue[] = []
    while (this.peek() !== E) list.push(this.value(depth))
    this.offset++
    return list
  }

  dict(depth: number): BencodeDict {
    const dict: BencodeDict = Object.create(null)
    while (this.peek() !== E) {
      const byte = this.peek()
      if (byte < ZERO || byte > NINE) this.fail('key-not-string', 'dictionary key is not a byte string')
      const key = latin1(this.string())
      if (Object.hasOwn(dict, key)) this.fail('duplicate-key', 'dictionary key repeated')
      dict[key] = this.value(depth)
    }
    this.offset++
    return dict
  }
}

function latin1(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return text
}

/** Decodes exactly one value that spans all of `bytes`. */
export function decode(bytes: Uint8Array, limits: DecodeLimits = {}): BencodeValue {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES
  if (bytes.length > maxBytes)
    throw new BencodeError('too-large', 0, `input of ${bytes.length} bytes over ${maxBytes}`)
  const decoder = new Decoder(
    bytes,
    limits.maxDepth ?? 16,
    limits.maxItems ?? 4096,
    limits.maxStringLength ?? maxBytes,
  )
  const value = decoder.value(0)
  if (decoder.offset !== bytes.length) decoder.fail('trailing-bytes', 'bytes after the value')
  return value
}

const encoder = new TextEncoder()

/** Encodes a value; dictionary keys are sorted as raw bytes, `undefined` entries left out. */
export function encode(value: Bencodable): Uint8Array {
  const parts: Uint8Array[] = []
  write(value, parts, 0)
  let size = 0
  for (const part of parts) size += part.length
  const out = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function write(value: Bencodable, parts: Uint8Array[], depth: number): void {
  if (depth > 64) throw new BencodeError('too-deep', 0, 'cannot encode nesting deeper than 64')
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new BencodeError('unencodable', 0, `${value} is not a safe integer`)
    parts.push(encoder.encode(`i${value}e`))
  } else if (typeof value === 'string') {
    const bytes = encoder.encode(value)
    parts.push(encoder.encode(`${bytes.length}:`), bytes)
  } else if (value instanceof Uint8Array) {
    parts.push(encoder.encode(`${value.length}:`), value)
  } else if (Array.isArray(value)) {
    parts.push(Uint8Array.of(L))
    for (const item of value) write(item, parts, depth + 1)
    parts.push(Uint8Array.of(E))
  } else if (typeof value === 'object' && value !== null) {
    parts.push(Uint8Array.of(D))
    const keys = Object.keys(value).sort()
    for (const key of keys) {
      const item = value[key]
      if (item === undefined) continue
      const keyBytes = Uint8Array.from(key, (char) => {
        const code = char.charCodeAt(0)
        if (code > 0xff) throw new BencodeError('unencodable', 0, 'dictionary keys are latin1 strings')
        return code
      })
      parts.push(encoder.encode(`${keyBytes.length}:`), keyBytes)
      write(item, parts, depth + 1)
    }
    parts.push(Uint8Array.of(E))
  } else {
    throw new BencodeError('unencodable', 0, `cannot encode ${typeof value}`)
  }
}

/** The latin1 string of a byte string key or a protocol name. */
export { latin1 as bytesToLatin1 }
