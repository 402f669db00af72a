/**
 * A small, bounded DER (ITU-T X.690 §10) reader and writer: just enough
 * ASN.1 for X.509 certificates (RFC 5280 §4.1) and the libp2p SignedKey.
 *
 * The reader accepts only DER: low tag numbers, definite lengths in their
 * shortest form, at most 4 length bytes, and never reads past the element
 * that holds it. Every failure is an `InvalidDerError`; nothing recurses, so
 * hostile input cannot exhaust the stack.
 */
import { InvalidDerError } from './errors.js'

export const TAG_BOOLEAN = 0x01
export const TAG_INTEGER = 0x02
export const TAG_BIT_STRING = 0x03
export const TAG_OCTET_STRING = 0x04
export const TAG_NULL = 0x05
export const TAG_OID = 0x06
export const TAG_UTF8_STRING = 0x0c
export const TAG_PRINTABLE_STRING = 0x13
export const TAG_UTC_TIME = 0x17
export const TAG_GENERALIZED_TIME = 0x18
export const TAG_SEQUENCE = 0x30
export const TAG_SET = 0x31

/** `[n]` context-specific, constructed (EXPLICIT tagging). */
export function contextTag(n: number, constructed = true): number {
  return 0x80 | (constructed ? 0x20 : 0) | n
}

/** One TLV element, as views into the input (no copies). */
export interface DerElement {
  tag: number
  /** the whole element: tag, length and value */
  encoded: Uint8Array
  value: Uint8Array
}

/** Reads consecutive elements from `bytes`; `end()` checks nothing is left over. */
export class DerReader {
  private offset = 0

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length
  }

  /** The tag of the next element, without consuming it. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.bytes[this.offset]
  }

  read(expectedTag?: number): DerElement {
    const bytes = this.bytes
    const start = this.offset
    if (start + 2 > bytes.length) throw new InvalidDerError(`truncated element at byte ${start}`)
    const tag = bytes[start] as number
    if ((tag & 0x1f) === 0x1f) throw new InvalidDerError(`high tag number form at byte ${start}`)
    if (expectedTag != null && tag !== expectedTag) {
      throw new InvalidDerError(`expected tag 0x${hex(expectedTag)} at byte ${start}, got 0x${hex(tag)}`)
    }
    let length = bytes[start + 1] as number
    let header = 2
    if (length & 0x80) {
      const count = length & 0x7f
      if (count === 0) throw new InvalidDerError('indefinite length is not DER')
      if (count > 4) throw new InvalidDerError(`a ${count}-byte length is too long`)
      if (start + 2 + count > bytes.length) throw new InvalidDerError(`truncated length at byte ${start}`)
      length = 0
      for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + 2 + i] as number)
      if (length < 0x80 || (bytes[start + 2] as number) === 0) {
        throw new InvalidDerError(`length ${length} is not in its shortest form`)
      }
      header += count
    }
    const end = start + header + length
    if (end > bytes.length) {
      throw new InvalidDerError(
        `element at byte ${start} needs ${length} bytes, ${bytes.length - start - header} remain`,
      )
    }
    this.offset = end
    return { tag, encoded: bytes.subarray(start, end), value: bytes.subarray(start + header, end) }
  }

  /** Reads the next element only when it has `tag`. */
  readOptional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.read(tag) : undefined
  }

  end(what: string): void {
    if (!this.done)
      throw new InvalidDerError(`${this.bytes.length - this.offset} trailing bytes after ${what}`)
  }
}

/** Reads exactly one element of `tag` that spans all of `bytes`. */
export function readOne(bytes: Uint8Array, tag: number, what: string): DerElement {
  const reader = new DerReader(bytes)
  const element = reader.read(tag)
  reader.end(what)
  return element
}

/** The children of a constructed element. */
export function children(element: DerElement): DerReader {
  if ((element.tag & 0x20) === 0) throw new InvalidDerError(`tag 0x${hex(element.tag)} is not constructed`)
  return new DerReader(element.value)
}

export function decodeBoolean(element: DerElement): boolean {
  if (element.tag !== TAG_BOOLEAN || element.value.length !== 1) throw new InvalidDerError('bad BOOLEAN')
  const value = element.value[0] as number
  if (value !== 0 && value !== 0xff) throw new InvalidDerError('a DER BOOLEAN is 0x00 or 0xff')
  return value === 0xff
}

/** A small non-negative INTEGER (versions): at most 6 bytes. */
export function decodeSmallInteger(element: DerElement): number {
  const value = element.value
  if (element.tag !== TAG_INTEGER || value.length === 0 || value.length > 6) {
    throw new InvalidDerError('bad INTEGER')
  }
  if ((value[0] as number) & 0x80) throw new InvalidDerError('negative INTEGER')
  let n = 0
  for (const byte of value) n = n * 256 + byte
  return n
}

/** Dotted-decimal OID, arcs up to 2^53 (RFC 5280 OIDs are far smaller). */
export function decodeOid(element: DerElement): string {
  const value = element.value
  if (element.tag !== TAG_OID || value.length === 0 || value.length > 64) throw new InvalidDerError('bad OID')
  const arcs: number[] = []
  let arc = 0
  let started = false
  for (const byte of value) {
    if (!started && byte === 0x80) throw new InvalidDerError('OID arc with a leading zero byte')
    started = true
    arc = arc * 128 + (byte & 0x7f)
    if (arc > Number.MAX_SAFE_INTEGER / 128) throw new InvalidDerError('OID arc too large')
    if ((byte & 0x80) === 0) {
      arcs.push(arc)
      arc = 0
      started = false
    }
  }
  if (started) throw new InvalidDerError('OID ends inside an arc')
  const first = arcs[0] as number
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80]
  return [...head, ...arcs.slice(1)].join('.')
}

/** The bytes of a BIT STRING with no unused bits (keys and signatures). */
export function decodeBitString(element: DerElement): Uint8Array {
  if (element.tag !== TAG_BIT_STRING || element.value.length === 0 || element.value[0] !== 0) {
    throw new InvalidDerError('bad BIT STRING (or one with unused bits)')
  }
  return element.value.subarray(1)
}

/** UTCTime (years 1950-2049) or GeneralizedTime, both `...Z` with seconds (RFC 5280 §4.1.2.5). */
export function decodeTime(element: DerElement): Date {
  const text = ascii(element.value)
  let match: RegExpExecArray | null
  let year: number
  if (element.tag === TAG_UTC_TIME) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    if (match == null) throw new InvalidDerError(`bad UTCTime ${JSON.stringify(text)}`)
    const yy = Number(match[1])
    year = yy < 50 ? 2000 + yy : 1900 + yy
  } else if (element.tag === TAG_GENERALIZED_TIME) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
    if (match == null) throw new InvalidDerError(`bad GeneralizedTime ${JSON.stringify(text)}`)
    year = Number(match[1])
  } else {
    throw new InvalidDerError(`expected a time, got tag 0x${hex(element.tag)}`)
  }
  const [month, day, hour, minute, second] = match.slice(2).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ]
  const time = Date.UTC(year, month - 1, day, hour, minute, second)
  const date = new Date(time)
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new InvalidDerError(`invalid date ${JSON.stringify(text)}`)
  }
  return date
}

// ---- writer ------------------------------------------------------------------

/** Encodes one element (definite, shortest length). */
export function encode(tag: number, value: Uint8Array): Uint8Array {
  const length = value.length
  let header: number[]
  if (length < 0x80) header = [tag, length]
  else {
    const lengthBytes: number[] = []
    for (let n = length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n & 0xff)
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes]
  }
  const out = new Uint8Array(header.length + length)
  out.set(header)
  out.set(value, header.length)
  return out
}

export function sequence(...items: Uint8Array[]): Uint8Array {
  return encode(TAG_SEQUENCE, concat(items))
}

export function set(...items: Uint8Array[]): Uint8Array {
  return encode(TAG_SET, concat(items))
}

export function explicit(n: number, item: Uint8Array): Uint8Array {
  return encode(contextTag(n), item)
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return encode(TAG_OCTET_STRING, bytes)
}

export function bitString(bytes: Uint8Array): Uint8Array {
  return encode(TAG_BIT_STRING, concat([Uint8Array.of(0), bytes]))
}

export function boolean(value: boolean): Uint8Array {
  return encode(TAG_BOOLEAN, Uint8Array.of(value ? 0xff : 0))
}

/** A non-negative INTEGER from big-endian magnitude bytes (a sign byte is added when needed). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++
  const trimmed = magnitude.length === 0 ? Uint8Array.of(0) : magnitude.subarray(start)
  const value = (trimmed[0] as number) & 0x80 ? concat([Uint8Array.of(0), trimmed]) : trimmed
  return encode(TAG_INTEGER, value)
}

export function smallInteger(n: number): Uint8Array {
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return unsignedInteger(Uint8Array.from(bytes))
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number)
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0)) {
    throw new TypeError(`not an OID: ${dotted}`)
  }
  const out: number[] = []
  for (const arc of [(arcs[0] as number) * 40 + (arcs[1] as number), ...arcs.slice(2)]) {
    const chunk: number[] = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f))
    out.push(...chunk)
  }
  return encode(TAG_OID, Uint8Array.from(out))
}

export function printableString(text: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new TypeError(`not a PrintableString: ${text}`)
  return encode(TAG_PRINTABLE_STRING, new TextEncoder().encode(text))
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export function time(date: Date): Uint8Array {
  const iso = date.toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
  const year = date.getUTCFullYear()
  if (year >= 1950 && year < 2050) return encode(TAG_UTC_TIME, new TextEncoder().encode(digits.slice(2)))
  return encode(TAG_GENERALIZED_TIME, new TextEncoder().encode(digits))
}

function concat(items: Uint8Array[]): Uint8Array {
  let length = 0
  for (const item of items) length += item.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const item of items) {
    out.set(item, offset)
    offset += item.length
  }
  return out
}

function ascii(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes.subarray(0, 32)) text += String.fromCharCode(byte)
  return bytes.length > 32 ? `${text}…` : text
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0')
}
