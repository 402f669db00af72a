import { describe, expect, it } from 'vitest'
import { InvalidVarintError } from './errors.js'
import { decodeVarint, encodeVarint, encodeVarintInto, varintLength } from './varint.js'

// moved from @weft/crypto's own varint tests when crypto switched to these functions
describe('varint', () => {
  it('encodes minimally and reads back', () => {
    for (const value of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1]) {
      const bytes = encodeVarint(value)
      expect(bytes.byteLength).toBe(varintLength(value))
      expect(decodeVarint(bytes, 0)).toEqual({ value, length: bytes.byteLength })
    }
    expect(encodeVarint(300)).toEqual(new Uint8Array([0xac, 0x02]))
  })

  it('writes at an offset', () => {
    const out = new Uint8Array(4)
    expect(encodeVarintInto(300, out, 1)).toBe(2)
    expect(out).toEqual(Uint8Array.of(0, 0xac, 0x02, 0))
    expect(decodeVarint(out, 1)).toEqual({ value: 300, length: 2 })
  })

  it('reports truncated varints as undefined and refuses over-long or padded ones', () => {
    expect(decodeVarint(new Uint8Array([0x80]), 0)).toBeUndefined()
    expect(decodeVarint(new Uint8Array([0x80, 0x80, 0x80, 0x80]), 0)).toBeUndefined()
    expect(() => decodeVarint(new Uint8Array(10).fill(0x80), 0)).toThrow(InvalidVarintError)
    expect(() => decodeVarint(new Uint8Array([0x81, 0x00]), 0)).toThrow(InvalidVarintError)
    expect(() => decodeVarint(new Uint8Array([...new Uint8Array(8).fill(0xff), 0x7f]), 0)).toThrow(
      InvalidVarintError,
    )
  })

  it('refuses values it cannot encode', () => {
    expect(() => encodeVarint(-1)).toThrow(RangeError)
    expect(() => encodeVarint(1.5)).toThrow(RangeError)
    expect(() => encodeVarint(2 ** 53)).toThrow(RangeError)
  })
})
