/**
 * QUIC variable-length integers (RFC 9000 §16): the two high bits of the
 * first byte give the length (1, 2, 4 or 8 bytes), big-endian.
 *
 * Numbers are JavaScript numbers: exact up to 2^53 - 1. Larger wire values
 * (legal up to 2^62 - 1: error codes, GREASE parameter ids, "unlimited"
 * limits) decode to the nearest double, never below 2^53, so every limit
 * check against them still holds; `decodeVarintBigInt` reads them exactly.
 */

/** 2^62 - 1, the largest value a varint carries. */
export const MAX_VARINT = (1n << 62n) - 1n

/** How many bytes the shortest encoding of `value` takes. */
export function varintLength(value: number): 1 | 2 | 4 | 8 {
  if (value < 0x40) return 1
  if (value < 0x4000) return 2
  if (value < 0x40000000) return 4
  return 8
}

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`a varint must be a non-negative safe integer, got ${value}`)
  }
}

/**
 * Writes `value` at `offset` in `length` bytes (default: the shortest) and
 * returns the offset after it. RangeError when it does not fit.
 */
export function writeVarint(
  target: Uint8Array,
  offset: number,
  value: number,
  length = varintLength(value),
): number {
  checkValue(value)
  if (length < varintLength(value)) throw new RangeError(`${value} does not fit a ${length}-byte varint`)
  if (offset + length > target.length) throw new RangeError('varint past the end of the buffer')
  switch (length) {
    case 1:
      target[offset] = value
      break
    case 2:
      target[offset] = 0x40 | (value >>> 8)
      target[offset + 1] = value & 0xff
      break
    case 4:
      target[offset] = 0x80 | (value >>> 24)
      target[offset + 1] = (value >>> 16) & 0xff
      target[offset + 2] = (value >>> 8) & 0xff
      target[offset + 3] = value & 0xff
      break
    case 8: {
      const high = Math.floor(value / 0x1_0000_0000)
      const low = value >>> 0
      target[offset] = 0xc0 | (high >>> 24)
      target[offset + 1] = (high >>> 16) & 0xff
      target[offset + 2] = (high >>> 8) & 0xff
      target[offset + 3] = high & 0xff
      target[offset + 4] = low >>> 24
      target[offset + 5] = (low >>> 16) & 0xff
      target[offset + 6] = (low >>> 8) & 0xff
      target[offset + 7] = low & 0xff
      break
    }
    default:
      throw new RangeError(`a varint is 1, 2, 4 or 8 bytes, not ${length}`)
  }
  return offset + length
}

/** The shortest encoding of `value` (a number up to 2^53 - 1, or a bigint up to 2^62 - 1). */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_VARINT) throw new RangeError(`${value} is outside 0..2^62-1`)
    if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return encodeVarint(Number(value))
    const out = new Uint8Array(8)
    new DataView(out.buffer).setBigUint64(0, value | (3n << 62n))
    return out
  }
  const out = new Uint8Array(varintLength(value))
  writeVarint(out, 0, value)
  return out
}

/**
 * Reads the varint at `offset`: its value (rounded above 2^53, see above) and length,
 * or `undefined` when the bytes end first.
 */
export function readVarint(
  source: Uint8Array,
  offset: number,
): { value: number; length: number } | undefined {
  if (offset >= source.length) return undefined
  const first = source[offset] as number
  const length = 1 << (first >>> 6)
  if (offset + length > source.length) return undefined
  if (length === 1) return { value: first & 0x3f, length }
  if (length === 2) return { value: ((first & 0x3f) << 8) | (source[offset + 1] as number), length }
  const view = new DataView(source.buffer, source.byteOffset + offset, length)
  if (length === 4) return { value: view.getUint32(0) & 0x3fffffff, length }
  // one rounding: high * 2^32 is exact, adding low rounds to the nearest double
  return { value: (view.getUint32(0) & 0x3fffffff) * 0x1_0000_0000 + view.getUint32(4), length }
}

/** The exact value of the varint at `offset`, or `undefined` when the bytes end first. */
export function decodeVarintBigInt(source: Uint8Array, offset = 0): bigint | undefined {
  if (offset >= source.length) return undefined
  const first = source[offset] as number
  const length = 1 << (first >>> 6)
  if (offset + length > source.length) return undefined
  let value = BigInt(first & 0x3f)
  for (let i = 1; i < length; i++) value = (value << 8n) | BigInt(source[offset + i] as number)
  return value
}
