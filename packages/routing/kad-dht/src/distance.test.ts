import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { commonPrefixLength, compareCloseness, compareDistances, kadId, xorDistance } from './distance.js'

const point = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe('distance', () => {
  it('maps keys into the key space with SHA-256', () => {
    // SHA-256("") per FIPS 180-4
    expect(Buffer.from(kadId(new Uint8Array(0))).toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
  })

  it('is a metric: zero only to itself, symmetric, and obeys the XOR triangle identity', () => {
    fc.assert(
      fc.property(point, point, point, (a, b, c) => {
        expect(xorDistance(a, a).every((byte) => byte === 0)).toBe(true)
        expect(xorDistance(a, b)).toEqual(xorDistance(b, a))
        // d(a, c) = d(a, b) XOR d(b, c): the XOR metric's unidirectionality
        expect(xorDistance(a, c)).toEqual(xorDistance(xorDistance(a, b), xorDistance(b, c)))
      }),
    )
  })

  it('orders closeness the same as comparing the distances', () => {
    fc.assert(
      fc.property(point, point, point, (target, a, b) => {
        const expected = Math.sign(compareDistances(xorDistance(target, a), xorDistance(target, b)))
        expect(Math.sign(compareCloseness(target, a, b))).toBe(expected)
      }),
    )
  })

  it('counts the common prefix in bits', () => {
    const a = new Uint8Array(32)
    const b = new Uint8Array(32)
    expect(commonPrefixLength(a, b)).toBe(256)
    b[0] = 0x80
    expect(commonPrefixLength(a, b)).toBe(0)
    b[0] = 0
    b[1] = 0x01
    expect(commonPrefixLength(a, b)).toBe(15)
    fc.assert(
      fc.property(point, point, (x, y) => {
        const cpl = commonPrefixLength(x, y)
        const d = xorDistance(x, y)
        // the first set bit of the distance is at index cpl
        if (cpl < 256) expect((d[cpl >> 3]! >> (7 - (cpl & 7))) & 1).toBe(1)
      }),
    )
  })

  it('refuses points of different lengths', () => {
    expect(() => xorDistance(new Uint8Array(2), new Uint8Array(3))).toThrow(RangeError)
  })
})
