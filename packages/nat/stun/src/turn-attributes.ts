/**
 * What TURN (RFC 8656, RFC 6062) adds to STUN: its methods, its attribute
 * type codes, the XOR address codec its peer and relayed addresses share with
 * XOR-MAPPED-ADDRESS (RFC 8656 §18.3, §18.5), and the long-term credential
 * key (RFC 8489 §9.2.2). TURN attributes decode as `{ type: 'other' }`; these
 * helpers read and write their values.
 */
import { createHash } from 'node:crypto'
import {
  type Attribute,
  AttributeType,
  decodeAttribute,
  encodeAttributeValue,
  type TransportAddress,
} from './attributes.js'

/** TURN methods (RFC 8656 §17, RFC 6062 §6.1). */
export const TurnMethod = {
  ALLOCATE: 0x003,
  REFRESH: 0x004,
  SEND: 0x006,
  DATA: 0x007,
  CREATE_PERMISSION: 0x008,
  CHANNEL_BIND: 0x009,
  CONNECT: 0x00a,
  CONNECTION_BIND: 0x00b,
  CONNECTION_ATTEMPT: 0x00c,
} as const

/** TURN attribute type codes (RFC 8656 §18, RFC 6062 §6.2). */
export const TurnAttributeType = {
  CHANNEL_NUMBER: 0x000c,
  LIFETIME: 0x000d,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  EVEN_PORT: 0x0018,
  REQUESTED_TRANSPORT: 0x0019,
  DONT_FRAGMENT: 0x001a,
  RESERVATION_TOKEN: 0x0022,
  CONNECTION_ID: 0x002a,
  ADDITIONAL_ADDRESS_FAMILY: 0x8000,
  ADDRESS_ERROR_CODE: 0x8001,
  ICMP: 0x8004,
} as const

/** An XOR-encoded address attribute of wire type `code` (XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS). */
export function xorAddressAttribute(
  code: number,
  value: TransportAddress,
  transactionId: Uint8Array,
): Attribute {
  return {
    type: 'other',
    code,
    value: encodeAttributeValue({ type: 'xor-mapped-address', value }, transactionId),
  }
}

/** Reads an XOR-encoded address value; `MalformedMessageError` when it is not one. */
export function decodeXorAddress(value: Uint8Array, transactionId: Uint8Array): TransportAddress {
  const decoded = decodeAttribute(AttributeType.XOR_MAPPED_ADDRESS, value, transactionId)
  if (decoded.type !== 'xor-mapped-address') throw new RangeError('not an XOR address')
  return decoded.value
}

/**
 * The long-term credential key: MD5(username ":" realm ":" password)
 * (RFC 8489 §9.2.2; the strings are used as they are, without SASLprep).
 */
export function longTermKey(username: string, realm: string, password: string): Uint8Array {
  return new Uint8Array(createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest())
}
