/**
 * The protobuf wire format (https://protobuf.dev/programming-guides/encoding/)
 * as far as envelopes and peer records need it: varint (type 0) and
 * length-delimited (type 2) fields; fixed-size fields of unknown numbers are
 * skipped; groups are refused.
 */
import { readBigVarint, varintLength } from './varint.js'

export type ProtobufField =
  | { field: number; wireType: 0; value: bigint }
  | { field: number; wireType: 2; value: Uint8Array }
  | { field: number; wireType: 1 | 5; value: undefined }

/**
 * Splits `bytes` into fields, at most `maxFields` of them; `fail(reason)`
 * builds the error thrown on malformed input. Total: each step advances or throws.
 */
export function readFields(
  bytes: Uint8Array,
  maxFields: number,
  fail: (reason: string) => Error,
  tooMany: (count: number) => Error,
): ProtobufField[] {
  const fields: ProtobufField[] = []
  let offset = 0
  while (offset < bytes.byteLength) {
    if (fields.length === maxFields) throw tooMany(fields.length + 1)
    const tag = readBigVarint(bytes, offset)
    if (tag === undefined || tag.value > 0xffffffffn) throw fail(`malformed field tag at byte ${offset}`)
    offset = tag.next
    const field = Number(tag.value >> 3n)
    const wireType = Number(tag.value & 7n)
    if (field === 0) throw fail('field number 0 is not allowed')
    if (wireType === 0) {
      const value = readBigVarint(bytes, offset)
      if (value === undefined) throw fail(`malformed varint in field ${field}`)
      offset = value.next
      fields.push({ field, wireType, value: value.value })
    } else if (wireType === 2) {
      const length = readBigVarint(bytes, offset)
      if (length === undefined) throw fail(`malformed length of field ${field}`)
      offset = length.next
      const remaining = bytes.byteLength - offset
      if (length.value > BigInt(remaining)) {
        throw fail(`field ${field} announces ${length.value} bytes but only ${remaining} remain`)
      }
      const end = offset + Number(length.value)
      fields.push({ field, wireType, value: bytes.subarray(offset, end) })
      offset = end
    } else if (wireType === 1 || wireType === 5) {
      offset += wireType === 1 ? 8 : 4
      if (offset > bytes.byteLength) throw fail(`truncated fixed-size field ${field}`)
      fields.push({ field, wireType, value: undefined })
    } else {
      throw fail(`unsupported wire type ${wireType} in field ${field}`)
    }
  }
  return fields
}

/** A length-delimited field: tag, varint length, bytes. */
export function bytesField(field: number, value: Uint8Array): Uint8Array[] {
  const header = new Uint8Array(1 + varintLength(value.byteLength))
  header[0] = (field << 3) | 2
  writeVarintAt(value.byteLength, header, 1)
  return [header, value]
}

function writeVarintAt(value: number, out: Uint8Array, offset: number): void {
  while (value >= 0x80) {
    out[offset++] = (value % 128) | 0x80
    value = Math.floor(value / 128)
  }
  out[offset] = value
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) {
    if (a[i] !== b[i]) return false
  }
  return true
}
