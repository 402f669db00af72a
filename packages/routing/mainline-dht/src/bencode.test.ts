import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type BencodeValue, decode, encode } from './bencode.js'
import { BencodeError } from './errors.js'

const text = (value: string): Uint8Array => new TextEncoder().encode(value)

function faultOf(input: string | Uint8Array, limits?: Parameters<typeof decode>[1]): string {
  try {
    decode(typeof input === 'string' ? text(input) : input, limits)
  } catch (err) {
    expect(err).toBeInstanceOf(BencodeError)
    return (err as BencodeError).fault
  }
  throw new Error('decoded without an error')
}

const value: fc.Arbitrary<BencodeValue> = fc.letrec<{ value: BencodeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 40 }),
    fc.maxSafeInteger(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .dictionary(
        fc.string({
          unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
          maxLength: 8,
        }),
        tie('value'),
        {
          maxKeys: 5,
        },
      )
      .map((dict) => Object.assign(Object.create(null), dict) as { [key: string]: BencodeValue }),
  ),
})).value

describe('bencode', () => {
  it('encodes and decodes BEP3 examples', () => {
    expect(new TextDecoder().decode(encode({ spam: ['a', 'b'], cow: 'moo', n: -3 }))).toBe(
      'd3:cow3:moo1:ni-3e4:spaml1:a1:bee',
    )
    const decoded = decode(text('d3:cow3:moo4:spaml1:a1:bee')) as Record<string, BencodeValue>
    expect(decoded.cow).toEqual(text('moo'))
    expect(decoded.spam).toEqual([text('a'), text('b')])
    expect(decode(text('i0e'))).toBe(0)
    expect(decode(text('i-42e'))).toBe(-42)
    expect(decode(text('0:'))).toEqual(new Uint8Array(0))
  })

  it('sorts keys as raw bytes and leaves undefined entries out', () => {
    expect(new TextDecoder('latin1').decode(encode({ b: 1, a: 2, Z: 3, c: undefined }))).toBe(
      'd1:Zi3e1:ai2e1:bi1ee',
    )
  })

  it('round-trips any value', () => {
    fc.assert(
      fc.property(value, (input) => {
        expect(decode(encode(input), { maxDepth: 64, maxItems: 100_000 })).toEqual(input)
      }),
    )
  })

  it('throws only BencodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decode(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(BencodeError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('throws only BencodeError on mutated and truncated encodings', () => {
    fc.assert(
      fc.property(value, fc.nat(), fc.nat(255), (input, position, byte) => {
        const bytes = encode(input)
        const mutated = bytes.slice()
        if (mutated.length > 0) mutated[position % mutated.length] = byte
        for (const candidate of [mutated, bytes.subarray(0, position % (bytes.length + 1))]) {
          try {
            decode(candidate, { maxDepth: 64 })
          } catch (err) {
            expect(err).toBeInstanceOf(BencodeError)
          }
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses truncated input', () => {
    expect(faultOf('')).toBe('truncated')
    expect(faultOf('d3:cow')).toBe('truncated')
    expect(faultOf('i12')).toBe('truncated')
    expect(faultOf('5:abc')).toBe('truncated')
    expect(faultOf('l')).toBe('truncated')
  })

  it('refuses deep nesting without recursing into it', () => {
    expect(faultOf('l'.repeat(100_000))).toBe('too-large')
    expect(faultOf(`${'l'.repeat(17)}${'e'.repeat(17)}`)).toBe('too-deep')
    expect(faultOf(`${'l'.repeat(9)}${'e'.repeat(9)}`, { maxDepth: 8 })).toBe('too-deep')
    expect(decode(text(`${'l'.repeat(8)}${'e'.repeat(8)}`), { maxDepth: 8 })).toBeDefined()
  })

  it('refuses huge length prefixes before reading them', () => {
    expect(faultOf('99999999999999999999999:x')).toBe('string-too-long')
    expect(faultOf('2000:abc', { maxStringLength: 1000 })).toBe('string-too-long')
  })

  it('refuses malformed and oversized integers', () => {
    expect(faultOf('ie')).toBe('bad-integer')
    expect(faultOf('i-e')).toBe('bad-integer')
    expect(faultOf('i-0e')).toBe('bad-integer')
    expect(faultOf('i03e')).toBe('bad-integer')
    expect(faultOf('i1.5e')).toBe('bad-integer')
    expect(faultOf('i99999999999999999e')).toBe('integer-too-large')
    expect(faultOf('i9007199254740993e')).toBe('integer-too-large')
  })

  it('refuses other malformed input', () => {
    expect(faultOf('i1ei2e')).toBe('trailing-bytes')
    expect(faultOf('x')).toBe('unexpected-byte')
    expect(faultOf('01:a')).toBe('bad-length')
    expect(faultOf('di1ei2ee')).toBe('key-not-string')
    expect(faultOf('d1:ai1e1:ai2ee')).toBe('duplicate-key')
    expect(faultOf(`l${'i1e'.repeat(50)}e`, { maxItems: 10 })).toBe('too-many-items')
    expect(faultOf(new Uint8Array(3000), { maxBytes: 2048 })).toBe('too-large')
  })

  it('keeps prototype-named keys as plain data', () => {
    const decoded = decode(text('d9:__proto__i1ee')) as Record<string, BencodeValue>
    expect(Object.keys(decoded)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(decoded)).toBe(null)
  })

  it('refuses values it cannot encode', () => {
    expect(() => encode(1.5)).toThrow(BencodeError)
    expect(() => encode({ '\u0100': 1 })).toThrow(BencodeError)
  })
})
