import { describe, expect, it } from 'vitest'
import { readFields } from './protobuf.js'
import { encodeVarint, readVarint, varintLength } from './varint.js'

const fail = (reason: string) => new Error(reason)

describe('varint', () => {
  it('encodes minimally and reads back', () => {
    for (const value of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 31 - 1]) {
      const bytes = encodeVarint(value)
      expect(bytes.byteLength).toBe(varintLength(value))
      expect(readVarint(bytes, 0)).toEqual({ value, next: bytes.byteLength })
    }
    expect(encodeVarint(300)).toEqual(new Uint8Array([0xac, 0x02]))
  })

  it('reports truncated and oversized varints as undefined', () => {
    expect(readVarint(new Uint8Array([0x80]), 0)).toBeUndefined()
    expect(readVarint(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x08]), 0)).toBeUndefined()
    expect(readVarint(new Uint8Array(6).fill(0x80), 0)).toBeUndefined()
    expect(() => encodeVarint(-1)).toThrow(RangeError)
  })
})

describe('readFields', () => {
  it('splits varint, fixed and length-delimited fields', () => {
    const bytes = new Uint8Array([
      0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x02, 0xaa, 0xbb, 0x25, 1, 2, 3, 4,
    ])
    const fields = readFields(bytes, fail)
    expect(fields.map((f) => [f.field, f.wireType])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 5],
    ])
    expect(fields[0]!.value).toBe(150)
    expect(fields[2]!.value).toEqual(new Uint8Array([0xaa, 0xbb]))
  })

  it('reports a 64-bit varint value as undefined but keeps reading', () => {
    const fields = readFields(
      new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0x01]),
      fail,
    )
    expect(fields.map((f) => f.value)).toEqual([undefined, 1])
  })

  it('throws on truncation, field 0, groups and over-long varints', () => {
    expect(() => readFields(new Uint8Array([0x0a, 0x05, 1]), fail)).toThrow(/announces 5 bytes/)
    expect(() => readFields(new Uint8Array([0x11, 1, 2]), fail)).toThrow(/truncated/)
    expect(() => readFields(new Uint8Array([0x02, 0x00]), fail)).toThrow(/field number 0/)
    expect(() => readFields(new Uint8Array([0x0b]), fail)).toThrow(/wire type 3/)
    expect(() => readFields(new Uint8Array([0x08, ...new Uint8Array(11).fill(0xff)]), fail)).toThrow(
      /truncated varint/,
    )
  })
})
