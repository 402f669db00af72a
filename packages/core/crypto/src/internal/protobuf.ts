/**
 * The few protobuf wire-format rules the key messages need
 * (https://protobuf.dev/programming-guides/encoding/): a record is a varint
 * tag `field << 3 | wireType` followed by a varint (type 0), eight bytes
 * (type 1), a varint-length-prefixed byte string (type 2) or four bytes
 * (type 5). Groups (types 3 and 4) are refused.
 */
import { readVarint } from './varint.js'

export type ProtobufField =
  | { field: number; wireType: 0; value: number | undefined }
  | { field: number; wireType: 2; value: Uint8Array }
  | { field: number; wireType: 1 | 5; value: undefined }

/**
 * Splits `bytes` into fields; `fail(reason)` builds the error thrown on
 * malformed input. Varint values above 2^31 - 1 come back as undefined (the
 * caller decides whether it cares). Total: every path either advances or throws.
 */
export function readFields(bytes: Uint8Array, fail: (reason: string) => Error): ProtobufField[] {
  const fields: ProtobufField[] = []
  let offset = 0
  while (offset < bytes.byteLength) {
    const tag = readVarint(bytes, offset)
    if (tag === undefined) throw fail(`truncated or oversized field tag at byte ${offset}`)
    offset = tag.next
    const field = Math.floor(tag.value / 8)
    const wireType = tag.value & 7
    if (field === 0) throw fail('field number 0 is not allowed')
    switch (wireType) {
      case 0: {
        const start = offset
        while (offset < bytes.byteLength && bytes[offset]! >= 0x80 && offset - start < 10) offset++
        if (offset >= bytes.byteLength || offset - start >= 10)
          throw fail(`truncated varint in field ${field}`)
        offset++
        const value = readVarint(bytes, start)
        fields.push({ field, wireType, value: value?.next === offset ? value.value : undefined })
        break
      }
      case 1:
      case 5: {
        offset += wireType === 1 ? 8 : 4
        if (offset > bytes.byteLength) throw fail(`truncated fixed-size field ${field}`)
        fields.push({ field, wireType, value: undefined })
        break
      }
      case 2: {
        const length = readVarint(bytes, offset)
        if (length === undefined) throw fail(`truncated length of field ${field}`)
        offset = length.next
        if (length.value > bytes.byteLength - offset) {
          throw fail(
            `field ${field} announces ${length.value} bytes but only ${bytes.byteLength - offset} remain`,
          )
        }
        fields.push({ field, wireType, value: bytes.subarray(offset, offset + length.value) })
        offset += length.value
        break
      }
      default:
        throw fail(`unsupported wire type ${wireType} in field ${field}`)
    }
  }
  return fields
}
