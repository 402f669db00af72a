/** Small builders and readers for TURN attribute values (RFC 8656 §18). */
import {
  type Attribute,
  decodeXorAddress,
  type Message,
  type TransportAddress,
  TurnAttributeType,
  TurnMethod,
  xorAddressAttribute,
} from '@weft/stun'

/** A TURN attribute with raw `value` bytes. */
export function attribute(code: number, value: Uint8Array): Attribute {
  return { type: 'other', code, value }
}

export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value)
  return out
}

/** XOR-PEER-ADDRESS for `peer` in the message with `transactionId`. */
export function peerAttributes(peer: TransportAddress, transactionId: Uint8Array): Attribute[] {
  return [xorAddressAttribute(TurnAttributeType.XOR_PEER_ADDRESS, peer, transactionId)]
}

/** The value of the first TURN attribute `code` (decoded as `other`). */
export function findOther(message: Message, code: number): Uint8Array | undefined {
  for (const a of message.attributes) if (a.type === 'other' && a.code === code) return a.value
  return undefined
}

/** A text attribute (REALM, NONCE) as UTF-8, at most 763 bytes. */
export function textOf(message: Message, code: number): string | undefined {
  const value = findOther(message, code)
  if (value == null || value.length > 763) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(value)
  } catch {
    return undefined
  }
}

/** An XOR address attribute's value, or undefined when absent or malformed. */
export function xorAddressOf(message: Message, code: number): TransportAddress | undefined {
  const value = findOther(message, code)
  if (value == null) return undefined
  try {
    return decodeXorAddress(value, message.transactionId)
  } catch {
    return undefined
  }
}

/** The LIFETIME in seconds, when present and four bytes long. */
export function lifetimeOf(message: Message): number | undefined {
  for (const a of message.attributes)
    if (a.type === 'other' && a.code === TurnAttributeType.LIFETIME && a.value.length === 4)
      return new DataView(a.value.buffer, a.value.byteOffset, 4).getUint32(0)
  return undefined
}

const NAMES = new Map<number, string>(
  Object.entries(TurnMethod).map(([name, code]) => [
    code,
    name
      .toLowerCase()
      .split('_')
      .map((word) => word[0]!.toUpperCase() + word.slice(1))
      .join(''),
  ]),
)

/** 'Allocate', 'CreatePermission', … */
export function methodName(method: number): string {
  return NAMES.get(method) ?? `method 0x${method.toString(16)}`
}
