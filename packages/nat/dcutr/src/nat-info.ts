/**
 * What a weft peer says about its NAT in a DCUtR `Connect`: the mapping and
 * filtering behaviour (RFC 5780 §4.3, §4.4) and the port allocation with its
 * delta, as @weft/stun's `NatReport` gives them (a `NatReport` is a
 * `NatInfo`). It rides in field 1001 of the `HolePunch` message, which other
 * implementations skip as an unknown field (proto3 §"Unknown fields"), so
 * the wire stays libp2p's. The relayed connection it travels on is secured
 * end to end (Noise with both peer keys), which is what vouches for it.
 *
 * The field's bytes are a small protobuf message:
 *
 *   message NatInfo {
 *     Behaviour mapping = 1;    // 0 unknown, 1 endpoint-independent,
 *     Behaviour filtering = 2;  // 2 address-dependent, 3 address-and-port-dependent
 *     Allocation allocation = 3; // 0 unknown, 1 equal, 2 preserving, 3 independent, 4 dependent, 5 random
 *     sint32 delta = 4;
 *     bool birthday = 5;        // takes part in a UDP birthday search (birthday.ts)
 *   }
 */

export type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent'
export type Allocation = 'equal' | 'preserving' | 'independent' | 'dependent' | 'random'

export interface NatInfo {
  mapping?: Behaviour
  filtering?: Behaviour
  allocation?: Allocation
  /** see @weft/stun's `AllocationResult.delta`: the step between mappings when `independent` */
  delta?: number
  /**
   * this side takes part in a UDP birthday search over QUIC (birthday.ts):
   * DCUtR sets it when the search is on and it offers a QUIC address
   */
  birthday?: boolean
}

/** The HolePunch field number weft's NAT information travels in. */
export const NAT_INFO_FIELD = 1001
/** The most bytes of NAT information read from a message. */
export const MAX_NAT_INFO_SIZE = 64

const BEHAVIOURS: readonly Behaviour[] = [
  'endpoint-independent',
  'address-dependent',
  'address-and-port-dependent',
]
const ALLOCATIONS: readonly Allocation[] = ['equal', 'preserving', 'independent', 'dependent', 'random']

function writeVarint(out: number[], value: number): void {
  let rest = value >>> 0
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80)
    rest >>>= 7
  }
  out.push(rest)
}

/** Reads a varint at `at`; undefined when the bytes end inside it or it runs past 32 bits. */
function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0
  for (let shift = 0, i = at; shift < 35 && i < bytes.length; shift += 7, i++) {
    const byte = bytes[i] as number
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return value > 0xffffffff ? undefined : { value, next: i + 1 }
  }
  return undefined
}

function encodeInfo(info: NatInfo): Uint8Array {
  const out: number[] = []
  const field = (number: number, value: number): void => {
    writeVarint(out, number << 3)
    writeVarint(out, value)
  }
  if (info.mapping != null) field(1, BEHAVIOURS.indexOf(info.mapping) + 1)
  if (info.filtering != null) field(2, BEHAVIOURS.indexOf(info.filtering) + 1)
  if (info.allocation != null) field(3, ALLOCATIONS.indexOf(info.allocation) + 1)
  if (info.delta != null && Number.isInteger(info.delta)) {
    const delta = Math.max(-0x8000, Math.min(0x7fff, info.delta))
    field(4, delta >= 0 ? delta * 2 : -delta * 2 - 1) // zigzag
  }
  if (info.birthday === true) field(5, 1)
  return Uint8Array.from(out)
}

function decodeInfo(bytes: Uint8Array): NatInfo | undefined {
  const info: NatInfo = {}
  let at = 0
  while (at < bytes.length) {
    const tag = readVarint(bytes, at)
    if (tag == null || (tag.value & 7) !== 0) return undefined
    const value = readVarint(bytes, tag.next)
    if (value == null) return undefined
    at = value.next
    const number = tag.value >>> 3
    if (number === 1) info.mapping = BEHAVIOURS[value.value - 1]
    else if (number === 2) info.filtering = BEHAVIOURS[value.value - 1]
    else if (number === 3) info.allocation = ALLOCATIONS[value.value - 1]
    else if (number === 4) info.delta = value.value % 2 === 0 ? value.value / 2 : -(value.value + 1) / 2
    else if (number === 5) info.birthday = value.value === 1
  }
  return info
}

/** `message` (an encoded HolePunch) with `info` appended as field 1001. */
export function appendNatInfo(message: Uint8Array, info: NatInfo | undefined): Uint8Array {
  if (info == null) return message
  const body = encodeInfo(info)
  const head: number[] = []
  writeVarint(head, (NAT_INFO_FIELD << 3) | 2)
  writeVarint(head, body.length)
  const out = new Uint8Array(message.length + head.length + body.length)
  out.set(message)
  out.set(head, message.length)
  out.set(body, message.length + head.length)
  return out
}

/**
 * The NAT information in an encoded HolePunch, or undefined when it carries
 * none (a peer that is not weft) or carries it malformed.
 */
export function readNatInfo(message: Uint8Array): NatInfo | undefined {
  let at = 0
  while (at < message.length) {
    const tag = readVarint(message, at)
    if (tag == null) return undefined
    at = tag.next
    const wireType = tag.value & 7
    if (wireType === 0) {
      const value = readVarint(message, at)
      if (value == null) return undefined
      at = value.next
    } else if (wireType === 2) {
      const length = readVarint(message, at)
      if (length == null || length.next + length.value > message.length) return undefined
      const start = length.next
      at = start + length.value
      if (tag.value >>> 3 === NAT_INFO_FIELD) {
        if (length.value > MAX_NAT_INFO_SIZE) return undefined
        return decodeInfo(message.subarray(start, at))
      }
    } else if (wireType === 1) at += 8
    else if (wireType === 5) at += 4
    else return undefined
  }
  return undefined
}
