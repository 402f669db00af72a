import { describe, expect, it } from 'vitest'
import { concatBytes, equalBytes } from './bytes.js'

describe('concatBytes', () => {
  it('joins chunks in order into a fresh buffer', () => {
    const a = Uint8Array.of(1, 2)
    const b = Uint8Array.of(3)
    expect(concatBytes([a, new Uint8Array(0), b])).toEqual(Uint8Array.of(1, 2, 3))
    expect(concatBytes([])).toEqual(new Uint8Array(0))
    const single = concatBytes([a])
    expect(single).toEqual(a)
    expect(single).not.toBe(a)
    single[0] = 9
    expect(a[0]).toBe(1)
  })

  it('copies from views at their offset', () => {
    const backing = Uint8Array.of(0, 1, 2, 3, 4, 5)
    expect(concatBytes([backing.subarray(4), backing.subarray(1, 3)])).toEqual(Uint8Array.of(4, 5, 1, 2))
  })

  it('uses a known total length, and refuses chunks that do not fit', () => {
    expect(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)], 3)).toEqual(Uint8Array.of(1, 2, 3))
    expect(concatBytes([Uint8Array.of(1)], 2)).toEqual(Uint8Array.of(1, 0))
    expect(() => concatBytes([Uint8Array.of(1, 2)], 1)).toThrow(RangeError)
    expect(() => concatBytes([], -1)).toThrow(RangeError)
    expect(() => concatBytes([], 1.5)).toThrow(RangeError)
  })
})

describe('equalBytes', () => {
  it('compares contents, not identity or offsets', () => {
    const backing = Uint8Array.of(7, 1, 2)
    expect(equalBytes(backing.subarray(1), Uint8Array.of(1, 2))).toBe(true)
    expect(equalBytes(backing, backing)).toBe(true)
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false)
    expect(equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0))).toBe(false)
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true)
  })
})
