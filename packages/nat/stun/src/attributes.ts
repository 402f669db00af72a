/**
 * STUN attributes (RFC 8489 §14, RFC 5780 §7): the typed view of each
 * attribute weft reads or writes, and the codecs of their values. Every
 * decoder checks lengths before reading and throws only
 * `MalformedMessageError`.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { MalformedMessageError } from './errors.js'

export const MAGIC_COOKIE = 0x2112a442

/** Attribute type codes (RFC 8489 §18.3, RFC 5780 §9.1). */
export const AttributeType = {
  MAPPED_ADDRESS: 0x0001,
  CHANGE_REQUEST: 0x0003,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  MESSAGE_INTEGRITY_SHA256: 0x001c,
  XOR_MAPPED_ADDRESS: 0x0020,
  PADDING: 0x0026,
  RESPONSE_PORT: 0x0027,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  RESPONSE_ORIGIN: 0x802b,
  OTHER_ADDRESS: 0x802c,
} as const

/** A transport address: IPv4 dotted or IPv6 in Node's textual form, and a port. */
export interface TransportAddress {
  family: 4 | 6
  address: string
  port: number
}

export type AddressAttributeName =
  | 'mapped-address'
  | 'xor-mapped-address'
  | 'response-origin'
  | 'other-address'

export type Attribute =
  | { type: 'mapped-address'; value: TransportAddress }
  | { type: 'xor-mapped-address'; value: TransportAddress }
  | { type: 'response-origin'; value: TransportAddress }
  | { type: 'other-address'; value: TransportAddress }
  | { type: 'change-request'; changeIp: boolean; changePort: boolean }
  | { type: 'response-port'; port: number }
  | { type: 'padding'; length: number }
  | { type: 'error-code'; code: number; reason: string }
  | { type: 'unknown-attributes'; types: number[] }
  | { type: 'software'; value: string }
  | { type: 'username'; value: string }
  | { type: 'message-integrity'; hmac: Uint8Array }
  | { type: 'message-integrity-sha256'; hmac: Uint8Array }
  | { type: 'fingerprint'; crc: number }
  /** any other type, kept as bytes; `code < 0x8000` means comprehension-required */
  | { type: 'other'; code: number; value: Uint8Array }

const ADDRESS_CODES: Record<AddressAttributeName, number> = {
  'mapped-address': AttributeType.MAPPED_ADDRESS,
  'xor-mapped-address': AttributeType.XOR_MAPPED_ADDRESS,
  'response-origin': AttributeType.RESPONSE_ORIGIN,
  'other-address': AttributeType.OTHER_ADDRESS,
}

/** Longest SOFTWARE, USERNAME or reason phrase accepted, in bytes (RFC 8489 §14). */
const MAX_TEXT_BYTES = 763
const MAX_USERNAME_BYTES = 513

const decoder = new TextDecoder('utf-8', { fatal: true })
const encoder = new TextEncoder()

function fail(message: string): never {
  throw new MalformedMessageError(message)
}

function text(value: Uint8Array, limit: number, what: string): string {
  if (value.length > limit) fail(`${what} of ${value.length} bytes, at most ${limit} allowed`)
  try {
    return decoder.decode(value)
  } catch {
    return fail(`${what} is not UTF-8`)
  }
}

function ipv4ToBytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number))
}

function ipv6ToBytes(address: string): Uint8Array {
  let text = address
  // an embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4 != null) {
    const b = ipv4ToBytes(v4[1]!)
    text = `${text.slice(0, v4.index)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const left = head === '' || head == null ? [] : head.split(':')
  const right = tail == null || tail === '' ? [] : tail.split(':')
  const fill = tail == null ? [] : new Array<string>(8 - left.length - right.length).fill('0')
  const groups = [...left, ...fill, ...right]
  const bytes = new Uint8Array(16)
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16)
    bytes[2 * i] = value >> 8
    bytes[2 * i + 1] = value & 0xff
  })
  return bytes
}

function bytesToIpv6(bytes: Uint8Array): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16))
  // compress the longest run of zero groups (RFC 5952)
  let best = -1
  let bestLength = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLength) {
      best = i
      bestLength = j - i
    }
    i = j
  }
  if (bestLength < 2) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLength).join(':')}`
}

/** The address's bytes (4 or 16); RangeError when it is not an IP of its family. */
export function addressBytes(value: TransportAddress): Uint8Array {
  if (value.family === 4 && isIPv4(value.address)) return ipv4ToBytes(value.address)
  if (value.family === 6 && isIPv6(value.address)) return ipv6ToBytes(value.address)
  throw new RangeError(`${value.address} is not an IPv${value.family} address`)
}

function encodeAddress(value: TransportAddress, xorWith: Uint8Array | undefined): Uint8Array {
  if (!Number.isInteger(value.port) || value.port < 0 || value.port > 0xffff)
    throw new RangeError(`port ${value.port} is out of range`)
  const ip = addressBytes(value)
  const out = new Uint8Array(4 + ip.length)
  const view = new DataView(out.buffer)
  out[1] = value.family === 4 ? 0x01 : 0x02
  view.setUint16(2, xorWith == null ? value.port : value.port ^ (MAGIC_COOKIE >>> 16))
  for (let i = 0; i < ip.length; i++) out[4 + i] = xorWith == null ? ip[i]! : ip[i]! ^ xorWith[i]!
  return out
}

function decodeAddress(value: Uint8Array, xorWith: Uint8Array | undefined): TransportAddress {
  if (value.length < 4) fail(`an address attribute of ${value.length} bytes`)
  const family = value[1]
  const length = family === 0x01 ? 4 : family === 0x02 ? 16 : fail(`address family 0x${family?.toString(16)}`)
  if (value.length !== 4 + length)
    fail(`an IPv${family === 1 ? 4 : 6} address attribute of ${value.length} bytes, expected ${4 + length}`)
  const rawPort = (value[2]! << 8) | value[3]!
  const port = xorWith == null ? rawPort : rawPort ^ (MAGIC_COOKIE >>> 16)
  const ip = new Uint8Array(length)
  for (let i = 0; i < length; i++) ip[i] = xorWith == null ? value[4 + i]! : value[4 + i]! ^ xorWith[i]!
  return family === 0x01
    ? { family: 4, address: Array.from(ip).join('.'), port }
    : { family: 6, address: bytesToIpv6(ip), port }
}

/** The 16 bytes XOR-MAPPED-ADDRESS is masked with: the magic cookie, then the transaction id (RFC 8489 §14.2). */
function xorMask(transactionId: Uint8Array): Uint8Array {
  const mask = new Uint8Array(16)
  new DataView(mask.buffer).setUint32(0, MAGIC_COOKIE)
  mask.set(transactionId, 4)
  return mask
}

/** The wire type code of `attribute`. */
export function attributeCode(attribute: Attribute): number {
  switch (attribute.type) {
    case 'mapped-address':
    case 'xor-mapped-address':
    case 'response-origin':
    case 'other-address':
      return ADDRESS_CODES[attribute.type]
    case 'change-request':
      return AttributeType.CHANGE_REQUEST
    case 'response-port':
      return AttributeType.RESPONSE_PORT
    case 'padding':
      return AttributeType.PADDING
    case 'error-code':
      return AttributeType.ERROR_CODE
    case 'unknown-attributes':
      return AttributeType.UNKNOWN_ATTRIBUTES
    case 'software':
      return AttributeType.SOFTWARE
    case 'username':
      return AttributeType.USERNAME
    case 'message-integrity':
      return AttributeType.MESSAGE_INTEGRITY
    case 'message-integrity-sha256':
      return AttributeType.MESSAGE_INTEGRITY_SHA256
    case 'fingerprint':
      return AttributeType.FINGERPRINT
    case 'other':
      return attribute.code
  }
}

/** The value bytes of `attribute` (unpadded). RangeError for values that cannot be encoded. */
export function encodeAttributeValue(attribute: Attribute, transactionId: Uint8Array): Uint8Array {
  switch (attribute.type) {
    case 'xor-mapped-address':
      return encodeAddress(attribute.value, xorMask(transactionId))
    case 'mapped-address':
    case 'response-origin':
    case 'other-address':
      return encodeAddress(attribute.value, undefined)
    case 'change-request':
      return Uint8Array.of(0, 0, 0, (attribute.changeIp ? 0x04 : 0) | (attribute.changePort ? 0x02 : 0))
    case 'response-port':
      if (!Number.isInteger(attribute.port) || attribute.port < 0 || attribute.port > 0xffff)
        throw new RangeError(`port ${attribute.port} is out of range`)
      return Uint8Array.of(attribute.port >> 8, attribute.port & 0xff, 0, 0)
    case 'padding':
      return new Uint8Array(attribute.length)
    case 'error-code': {
      if (!Number.isInteger(attribute.code) || attribute.code < 300 || attribute.code > 699)
        throw new RangeError(`error code ${attribute.code} is not in 300..699`)
      const reason = encoder.encode(attribute.reason)
      if (reason.length > MAX_TEXT_BYTES) throw new RangeError('the reason phrase is too long')
      const out = new Uint8Array(4 + reason.length)
      out[2] = Math.floor(attribute.code / 100)
      out[3] = attribute.code % 100
      out.set(reason, 4)
      return out
    }
    case 'unknown-attributes': {
      const out = new Uint8Array(2 * attribute.types.length)
      attribute.types.forEach((type, i) => {
        out[2 * i] = (type >> 8) & 0xff
        out[2 * i + 1] = type & 0xff
      })
      return out
    }
    case 'software':
    case 'username': {
      const bytes = encoder.encode(attribute.value)
      const limit = attribute.type === 'software' ? MAX_TEXT_BYTES : MAX_USERNAME_BYTES
      if (bytes.length > limit) throw new RangeError(`${attribute.type} longer than ${limit} bytes`)
      return bytes
    }
    case 'message-integrity':
    case 'message-integrity-sha256':
      return attribute.hmac
    case 'fingerprint': {
      const out = new Uint8Array(4)
      new DataView(out.buffer).setUint32(0, attribute.crc)
      return out
    }
    case 'other':
      return attribute.value
  }
}

/** The typed attribute for wire `code` and `value`; `MalformedMessageError` when the value is bad. */
export function decodeAttribute(code: number, value: Uint8Array, transactionId: Uint8Array): Attribute {
  switch (code) {
    case AttributeType.XOR_MAPPED_ADDRESS:
      return { type: 'xor-mapped-address', value: decodeAddress(value, xorMask(transactionId)) }
    case AttributeType.MAPPED_ADDRESS:
      return { type: 'mapped-address', value: decodeAddress(value, undefined) }
    case AttributeType.RESPONSE_ORIGIN:
      return { type: 'response-origin', value: decodeAddress(value, undefined) }
    case AttributeType.OTHER_ADDRESS:
      return { type: 'other-address', value: decodeAddress(value, undefined) }
    case AttributeType.CHANGE_REQUEST:
      if (value.length !== 4) fail(`CHANGE-REQUEST of ${value.length} bytes, expected 4`)
      return {
        type: 'change-request',
        changeIp: (value[3]! & 0x04) !== 0,
        changePort: (value[3]! & 0x02) !== 0,
      }
    case AttributeType.RESPONSE_PORT:
      if (value.length !== 4) fail(`RESPONSE-PORT of ${value.length} bytes, expected 4`)
      return { type: 'response-port', port: (value[0]! << 8) | value[1]! }
    case AttributeType.PADDING:
      return { type: 'padding', length: value.length }
    case AttributeType.ERROR_CODE: {
      if (value.length < 4) fail(`ERROR-CODE of ${value.length} bytes, at least 4 expected`)
      const errorClass = value[2]! & 0x07
      const number = value[3]!
      if (errorClass < 3 || errorClass > 6 || number > 99)
        fail(`ERROR-CODE class ${errorClass} number ${number} is out of range`)
      return {
        type: 'error-code',
        code: errorClass * 100 + number,
        reason: text(value.subarray(4), MAX_TEXT_BYTES, 'the reason phrase'),
      }
    }
    case AttributeType.UNKNOWN_ATTRIBUTES: {
      if (value.length % 2 !== 0) fail(`UNKNOWN-ATTRIBUTES of odd length ${value.length}`)
      const types: number[] = []
      for (let i = 0; i < value.length; i += 2) types.push((value[i]! << 8) | value[i + 1]!)
      return { type: 'unknown-attributes', types }
    }
    case AttributeType.SOFTWARE:
      return { type: 'software', value: text(value, MAX_TEXT_BYTES, 'SOFTWARE') }
    case AttributeType.USERNAME:
      return { type: 'username', value: text(value, MAX_USERNAME_BYTES, 'USERNAME') }
    case AttributeType.MESSAGE_INTEGRITY:
      if (value.length !== 20) fail(`MESSAGE-INTEGRITY of ${value.length} bytes, expected 20`)
      return { type: 'message-integrity', hmac: value.slice() }
    case AttributeType.MESSAGE_INTEGRITY_SHA256:
      if (value.length < 16 || value.length > 32 || value.length % 4 !== 0)
        fail(`MESSAGE-INTEGRITY-SHA256 of ${value.length} bytes, expected 16..32 in steps of 4`)
      return { type: 'message-integrity-sha256', hmac: value.slice() }
    case AttributeType.FINGERPRINT:
      if (value.length !== 4) fail(`FINGERPRINT of ${value.length} bytes, expected 4`)
      return {
        type: 'fingerprint',
        crc: ((value[0]! << 24) | (value[1]! << 16) | (value[2]! << 8) | value[3]!) >>> 0,
      }
    default:
      return { type: 'other', code, value: value.slice() }
  }
}
