import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeVarintBigInt, encodeVarint, readVarint, varintLength, writeVarint } from '../src/varint.js'
import { hex, toHex } from './hex.js'

describe('varints (RFC 9000 §16)', () => {
  it('decodes the RFC 9000 Appendix A.1 samples', () => {
    expect(decodeVarintBigInt(hex('c2197c5eff14e88c'))).toBe(151288809941952652n)
    expect(readVarint(hex('9d7f3e7d'), 0)).toEqual({ value: 494878333, length: 4 })
    expect(readVarint(hex('7bbd'), 0)).toEqual({ value: 15293, length: 2 })
    expect(readVarint(hex('25'), 0)).toEqual({ value: 37, length: 1 })
    expect(readVarint(hex('4025'), 0)).toEqual({ value: 37, length: 2 })
  })

  it('encodes the samples in their shortest form, and bigints exactly', () => {
    expect(toHex(encodeVarint(494878333))).toBe('9d7f3e7d')
    expect(toHex(encodeVarint(15293))).toBe('7bbd')
    expect(toHex(encodeVarint(37))).toBe('25')
    expect(toHex(encodeVarint(151288809941952652n))).toBe('c2197c5eff14e88c')
    expect(toHex(encodeVarint((1n << 62n) - 1n))).toBe('ffffffffffffffff')
    expect(() => encodeVarint(1n << 62n)).toThrow(RangeError)
    expect(() => encodeVarint(-1)).toThrow(RangeError)
    expect(() => encodeVarint(1.5)).toThrow(RangeError)
  })

  it('reads values above 2^53 - 1 as the nearest double, never below 2^53', () => {
    expect(readVarint(hex('c2197c5eff14e88c'), 0)).toEqual({ value: Number(151288809941952652n), length: 8 })
    expect(readVarint(hex('c01fffffffffffff'), 0)).toEqual({ value: Number.MAX_SAFE_INTEGER, length: 8 })
    expect(readVarint(hex('c020000000000001'), 0)?.value).toBeGreaterThanOrEqual(2 ** 53)
    expect(readVarint(hex('ffffffffffffffff'), 0)?.value).toBe(2 ** 62)
  })

  it('reports truncation as undefined', () => {
    expect(readVarint(hex(''), 0)).toBeUndefined()
    expect(readVarint(hex('9d7f3e'), 0)).toBeUndefined()
    expect(decodeVarintBigInt(hex('c2197c'))).toBeUndefined()
  })

  it('writes non-minimal lengths on request and refuses too-short ones', () => {
    const out = new Uint8Array(4)
    expect(writeVarint(out, 0, 37, 4)).toBe(4)
    expect(toHex(out)).toBe('80000025')
    expect(() => writeVarint(out, 0, 15293, 1)).toThrow(RangeError)
  })

  it('round-trips every safe integer, at every allowed length', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        const bytes = encodeVarint(value)
        expect(bytes.length).toBe(varintLength(value))
        expect(readVarint(bytes, 0)).toEqual({ value, length: bytes.length })
        expect(decodeVarintBigInt(bytes)).toBe(BigInt(value))
      }),
    )
  })
})
