/**
 * Unsigned LEB128 varints as multiformats/unsigned-varint specifies: at most
 * 9 bytes (63 bits); weft limits values to Number.MAX_SAFE_INTEGER.
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidVarintError } from './errors.js'

const MAX_VARINT_BYTES = 9

export function varintLength(value: number): number {
  if (value < 0x80) return 1
  if (value < 0x4000) return 2
  if (value < 0x200000) return 3
  if (value < 0x10000000) return 4
  let length = 4
  let rest = Math.floor(value / 0x10000000)
  while (rest > 0) {
    length++
    rest = Math.floor(rest / 0x80)
  }
  return length
}

/** Writes `value` into `target` at `offset`; returns the number of bytes written. */
export function encodeVarintInto(value: number, target: Uint8Array, offset = 0): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`varint value must be a non-negative safe integer, got ${value}`)
  }
  let position = offset
  while (value >= 0x80) {
    target[position++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  target[position++] = value
  return position - offset
}

export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value))
  encodeVarintInto(value, out)
  return out
}

export interface DecodedVarint {
  value: number
  /** bytes consumed */
  length: number
}

/**
 * Decodes a varint at `offset`. Returns undefined when the input ends before
 * the varint does (more bytes may come); throws on an over-long varint.
 */
export function decodeVarint(
  input: Uint8Array | Uint8ArrayList,
  offset = 0,
  maxBytes = MAX_VARINT_BYTES,
): DecodedVarint | undefined {
  let value = 0
  let multiplier = 1
  const end = input.byteLength
  for (let i = 0; i < maxBytes; i++) {
    if (offset + i >= end) return undefined
    const byte = input instanceof Uint8Array ? input[offset + i]! : input.get(offset + i)
    value += (byte & 0x7f) * multiplier
    if (byte < 0x80) {
      if (i > 0 && byte === 0) throw new InvalidVarintError('varint is not minimally encoded')
      if (!Number.isSafeInteger(value)) throw new InvalidVarintError('varint exceeds the safe integer range')
      return { value, length: i + 1 }
    }
    multiplier *= 0x80
  }
  throw new InvalidVarintError(`varint longer than ${maxBytes} bytes`)
}
