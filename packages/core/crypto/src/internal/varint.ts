/**
 * Unsigned LEB128 varints (multiformats unsigned-varint, protobuf varint) for
 * the small numbers key messages carry: type tags and lengths.
 */

/** Largest value read or written; lengths never come near it. */
const MAX_VALUE = 2 ** 31 - 1

export function varintLength(value: number): number {
  let length = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    length++
  }
  return length
}

/** Writes `value` at `offset` in `out`; returns the offset after it. */
export function writeVarint(value: number, out: Uint8Array, offset: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_VALUE) {
    throw new RangeError(`expected a varint value from 0 to ${MAX_VALUE}, got ${value}`)
  }
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80
    value = Math.floor(value / 128)
  }
  out[offset++] = value
  return offset
}

export function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value))
  writeVarint(value, out, 0)
  return out
}

/**
 * Reads a varint at `offset`. Returns the value and the offset after it, or
 * undefined when the bytes end early or the value exceeds 2^31 - 1.
 */
export function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < 5; i++) {
    if (offset + i >= bytes.byteLength) return undefined
    const byte = bytes[offset + i]!
    value += (byte & 0x7f) * scale
    if (byte < 0x80) {
      return value > MAX_VALUE ? undefined : { value, next: offset + i + 1 }
    }
    scale *= 128
  }
  return undefined
}
