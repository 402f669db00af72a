/**
 * Unsigned LEB128 varints (multiformats unsigned-varint; protobuf varint),
 * as numbers for lengths and as bigints for protobuf uint64.
 */

const MAX_UINT64 = 2n ** 64n - 1n

export function varintLength(value: number): number {
  let length = 1
  while (value >= 0x80) {
    value = Math.floor(value / 128)
    length++
  }
  return length
}

export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`expected a non-negative safe integer, got ${value}`)
  const out = new Uint8Array(varintLength(value))
  let offset = 0
  while (value >= 0x80) {
    out[offset++] = (value % 128) | 0x80
    value = Math.floor(value / 128)
  }
  out[offset] = value
  return out
}

export function encodeBigVarint(value: bigint): Uint8Array {
  if (value < 0n || value > MAX_UINT64) throw new RangeError(`expected a uint64, got ${value}`)
  const bytes: number[] = []
  while (value >= 0x80n) {
    bytes.push(Number(value & 0x7fn) | 0x80)
    value >>= 7n
  }
  bytes.push(Number(value))
  return new Uint8Array(bytes)
}

/**
 * Reads a varint of at most 10 bytes at `offset` as a bigint. Undefined when
 * the bytes end early, run past 10 bytes or exceed 2^64 - 1.
 */
export function readBigVarint(
  bytes: Uint8Array,
  offset: number,
): { value: bigint; next: number } | undefined {
  let value = 0n
  for (let i = 0; i < 10; i++) {
    if (offset + i >= bytes.byteLength) return undefined
    const byte = bytes[offset + i]!
    value |= BigInt(byte & 0x7f) << BigInt(7 * i)
    if (byte < 0x80) return value > MAX_UINT64 ? undefined : { value, next: offset + i + 1 }
  }
  return undefined
}
