/**
 * The STUN message codec (RFC 8489 §5, §14): a 20-byte header (type,
 * length, magic cookie, 96-bit transaction id) and TLV attributes padded to
 * four bytes. `decodeMessage` is total: any input either decodes or throws
 * `MalformedMessageError` / `FingerprintMismatchError`, and it never reads
 * more than `maxAttributes` attributes.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import {
  type Attribute,
  AttributeType,
  attributeCode,
  decodeAttribute,
  encodeAttributeValue,
  MAGIC_COOKIE,
} from './attributes.js'
import { crc32 } from './crc32.js'
import { FingerprintMismatchError, IntegrityError, MalformedMessageError } from './errors.js'

export const HEADER_LENGTH = 20
/** The largest message the 16-bit length field can describe. */
export const MAX_MESSAGE_LENGTH = HEADER_LENGTH + 0xfffc
/** FINGERPRINT's CRC-32 is xored with this ("STUN", RFC 8489 §14.7). */
const FINGERPRINT_XOR = 0x5354554e

export type MessageClass = 'request' | 'indication' | 'success' | 'error'

/** STUN methods weft uses (RFC 8489 §18.2). */
export const Method = { BINDING: 0x001 } as const

export interface Message {
  method: number
  class: MessageClass
  /** 12 bytes */
  transactionId: Uint8Array
  attributes: Attribute[]
}

export interface EncodeOptions {
  /** add MESSAGE-INTEGRITY (HMAC-SHA1) or MESSAGE-INTEGRITY-SHA256 keyed with `key` (short-term: the password's bytes) */
  integrity?: { key: Uint8Array; algorithm?: 'sha1' | 'sha256' }
  /** add FINGERPRINT last */
  fingerprint?: boolean
}

export interface DecodeOptions {
  /** at most this many attributes are read (64); more is a `MalformedMessageError` */
  maxAttributes?: number
}

const CLASS_BITS: Record<MessageClass, number> = { request: 0, indication: 1, success: 2, error: 3 }
const CLASSES: MessageClass[] = ['request', 'indication', 'success', 'error']

/** The 14-bit message type: method bits M0-M11 interleaved with class bits C0, C1 (RFC 8489 §5). */
export function messageType(method: number, messageClass: MessageClass): number {
  if (!Number.isInteger(method) || method < 0 || method > 0xfff)
    throw new RangeError(`method 0x${method.toString(16)} is not a 12-bit number`)
  const c = CLASS_BITS[messageClass]
  return (
    (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7)
  )
}

function splitType(type: number): { method: number; class: MessageClass } {
  const method = (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80)
  const c = ((type >> 4) & 1) | ((type >> 7) & 2)
  return { method, class: CLASSES[c]! }
}

/** A fresh random 96-bit transaction id. */
export function newTransactionId(): Uint8Array {
  return new Uint8Array(randomBytes(12))
}

/**
 * Whether `bytes` look like a STUN message: the first two bits zero, the
 * magic cookie, a length that is a multiple of four and matches (RFC 8489
 * §5, RFC 7983's demultiplexing). Lets a socket shared with another protocol
 * route each datagram.
 */
export function isStunMessage(bytes: Uint8Array): boolean {
  if (bytes.length < HEADER_LENGTH || (bytes[0]! & 0xc0) !== 0) return false
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getUint16(2)
  return view.getUint32(4) === MAGIC_COOKIE && length % 4 === 0 && length + HEADER_LENGTH === bytes.length
}

/** The total length of the message whose header starts `header` (for stream framing, RFC 8489 §6.2.2). */
export function messageLengthFromHeader(header: Uint8Array): number {
  if (header.length < 4) throw new RangeError('a STUN header needs 4 bytes to tell its length')
  if ((header[0]! & 0xc0) !== 0)
    throw new MalformedMessageError('the first two bits of a STUN message must be 0')
  const length = (header[2]! << 8) | header[3]!
  if (length % 4 !== 0) throw new MalformedMessageError(`message length ${length} is not a multiple of 4`)
  return HEADER_LENGTH + length
}

function writeAttribute(parts: Uint8Array[], code: number, value: Uint8Array): number {
  if (value.length > 0xffff) throw new RangeError(`attribute 0x${code.toString(16)} value is too long`)
  const padded = (value.length + 3) & ~3
  const out = new Uint8Array(4 + padded)
  out[0] = code >> 8
  out[1] = code & 0xff
  out[2] = value.length >> 8
  out[3] = value.length & 0xff
  out.set(value, 4)
  parts.push(out)
  return out.length
}

function join(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function setLength(bytes: Uint8Array, bodyLength: number): void {
  if (bodyLength > 0xffff)
    throw new RangeError(`a STUN message of ${HEADER_LENGTH + bodyLength} bytes is too long`)
  bytes[2] = bodyLength >> 8
  bytes[3] = bodyLength & 0xff
}

function hmac(algorithm: 'sha1' | 'sha256', key: Uint8Array, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(algorithm, key).update(data).digest())
}

export function encodeMessage(message: Message, options: EncodeOptions = {}): Uint8Array {
  if (message.transactionId.length !== 12)
    throw new RangeError(`a transaction id has 12 bytes, not ${message.transactionId.length}`)
  const header = new Uint8Array(HEADER_LENGTH)
  const view = new DataView(header.buffer)
  view.setUint16(0, messageType(message.method, message.class))
  view.setUint32(4, MAGIC_COOKIE)
  header.set(message.transactionId, 8)
  const parts: Uint8Array[] = [header]
  let length = HEADER_LENGTH
  for (const attribute of message.attributes)
    length += writeAttribute(
      parts,
      attributeCode(attribute),
      encodeAttributeValue(attribute, message.transactionId),
    )
  let bytes = join(parts, length)
  if (options.integrity != null) {
    const algorithm = options.integrity.algorithm ?? 'sha1'
    const size = algorithm === 'sha1' ? 20 : 32
    // the HMAC covers the header with a length that already counts the integrity attribute
    setLength(bytes, length - HEADER_LENGTH + 4 + size)
    const digest = hmac(algorithm, options.integrity.key, bytes)
    const code =
      algorithm === 'sha1' ? AttributeType.MESSAGE_INTEGRITY : AttributeType.MESSAGE_INTEGRITY_SHA256
    const extra: Uint8Array[] = [bytes]
    length += writeAttribute(extra, code, digest)
    bytes = join(extra, length)
  }
  if (options.fingerprint === true) {
    setLength(bytes, length - HEADER_LENGTH + 8)
    const crc = (crc32(bytes) ^ FINGERPRINT_XOR) >>> 0
    const extra: Uint8Array[] = [bytes]
    length += writeAttribute(
      extra,
      AttributeType.FINGERPRINT,
      encodeAttributeValue({ type: 'fingerprint', crc }, header),
    )
    bytes = join(extra, length)
  }
  setLength(bytes, length - HEADER_LENGTH)
  return bytes
}

interface RawAttribute {
  code: number
  offset: number
  value: Uint8Array
}

/** Walks the attribute TLVs, checking each fits; at most `max`. */
function rawAttributes(bytes: Uint8Array, max: number): RawAttribute[] {
  const out: RawAttribute[] = []
  let offset = HEADER_LENGTH
  while (offset < bytes.length) {
    if (out.length >= max) throw new MalformedMessageError(`more than ${max} attributes`)
    if (offset + 4 > bytes.length)
      throw new MalformedMessageError(`an attribute header cut short at ${offset}`)
    const code = (bytes[offset]! << 8) | bytes[offset + 1]!
    const length = (bytes[offset + 2]! << 8) | bytes[offset + 3]!
    const end = offset + 4 + length
    const padded = offset + 4 + ((length + 3) & ~3)
    if (padded > bytes.length)
      throw new MalformedMessageError(
        `attribute 0x${code.toString(16)} of ${length} bytes at ${offset} runs past the message end (${bytes.length})`,
      )
    out.push({ code, offset, value: bytes.subarray(offset + 4, end) })
    offset = padded
  }
  return out
}

function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < HEADER_LENGTH)
    throw new MalformedMessageError(`a STUN message of ${bytes.length} bytes, at least 20 expected`)
  if ((bytes[0]! & 0xc0) !== 0)
    throw new MalformedMessageError('the first two bits of a STUN message must be 0')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getUint16(2)
  if (length % 4 !== 0) throw new MalformedMessageError(`message length ${length} is not a multiple of 4`)
  if (length + HEADER_LENGTH !== bytes.length)
    throw new MalformedMessageError(
      `the header says ${length + HEADER_LENGTH} bytes, ${bytes.length} arrived`,
    )
  const cookie = view.getUint32(4)
  if (cookie !== MAGIC_COOKIE)
    throw new MalformedMessageError(`magic cookie 0x${cookie.toString(16)}, not 0x2112a442`)
}

/**
 * Decodes one message. A FINGERPRINT is checked when present; attributes
 * after MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
 * are ignored (RFC 8489 §14.5), anything after FINGERPRINT is malformed.
 * MESSAGE-INTEGRITY needs the key: see `verifyIntegrity`.
 */
export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): Message {
  checkHeader(bytes)
  const { method, class: messageClass } = splitType((bytes[0]! << 8) | bytes[1]!)
  const transactionId = bytes.slice(8, HEADER_LENGTH)
  const attributes: Attribute[] = []
  let afterIntegrity = false
  let fingerprinted = false
  for (const raw of rawAttributes(bytes, options.maxAttributes ?? 64)) {
    if (fingerprinted) throw new MalformedMessageError('an attribute after FINGERPRINT')
    const attribute = decodeAttribute(raw.code, raw.value, transactionId)
    if (attribute.type === 'fingerprint') {
      fingerprinted = true
      const expected = (crc32(bytes.subarray(0, raw.offset)) ^ FINGERPRINT_XOR) >>> 0
      if (expected !== attribute.crc) throw new FingerprintMismatchError(expected, attribute.crc)
    } else if (afterIntegrity && attribute.type !== 'message-integrity-sha256') {
      continue
    }
    if (attribute.type === 'message-integrity' || attribute.type === 'message-integrity-sha256')
      afterIntegrity = true
    attributes.push(attribute)
  }
  return { method, class: messageClass, transactionId, attributes }
}

/**
 * Checks the message's MESSAGE-INTEGRITY-SHA256, or else MESSAGE-INTEGRITY,
 * against `key` (RFC 8489 §9.1.3 / §14.5-14.6); returns which one it checked.
 * Throws `IntegrityError` when neither is present or the HMAC differs, and
 * `MalformedMessageError` for bad bytes.
 */
export function verifyIntegrity(bytes: Uint8Array, key: Uint8Array): 'sha1' | 'sha256' {
  checkHeader(bytes)
  const raws = rawAttributes(bytes, 64)
  const sha256 = raws.find((raw) => raw.code === AttributeType.MESSAGE_INTEGRITY_SHA256)
  const sha1 = raws.find((raw) => raw.code === AttributeType.MESSAGE_INTEGRITY)
  const chosen = sha256 ?? sha1
  if (chosen == null) throw new IntegrityError('the message carries no MESSAGE-INTEGRITY')
  const algorithm = chosen === sha256 ? 'sha256' : 'sha1'
  decodeAttribute(chosen.code, chosen.value, bytes.subarray(8, 20))
  const covered = bytes.slice(0, chosen.offset)
  setLength(covered, chosen.offset - HEADER_LENGTH + 4 + chosen.value.length)
  const digest = hmac(algorithm, key, covered).subarray(0, chosen.value.length)
  if (!timingSafeEqual(digest, chosen.value))
    throw new IntegrityError(
      `MESSAGE-INTEGRITY${algorithm === 'sha256' ? '-SHA256' : ''} does not match the key`,
    )
  return algorithm
}

/** The first attribute of `type` in `message`. */
export function findAttribute<T extends Attribute['type']>(
  message: Message,
  type: T,
): Extract<Attribute, { type: T }> | undefined {
  return message.attributes.find(
    (attribute): attribute is Extract<Attribute, { type: T }> => attribute.type === type,
  )
}
