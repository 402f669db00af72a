import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as der from './der.js'
import { InvalidDerError } from './errors.js'

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'))
const toHex = (data: Uint8Array): string => Buffer.from(data).toString('hex')

describe('DER writer', () => {
  it('encodes short and long lengths in their shortest form', () => {
    expect(toHex(der.octetString(new Uint8Array(3)))).toBe('0403000000')
    expect(toHex(der.octetString(new Uint8Array(0x80)).subarray(0, 3))).toBe('048180')
    expect(toHex(der.octetString(new Uint8Array(0x1234)).subarray(0, 4))).toBe('04821234')
  })

  it('encodes OIDs, including multi-byte arcs (X.690 §8.19)', () => {
    expect(toHex(der.oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302')
    expect(toHex(der.oid('1.3.6.1.4.1.53594.1.1'))).toBe('060a2b0601040183a25a0101')
    expect(() => der.oid('1')).toThrow(TypeError)
  })

  it('adds a sign byte to integers with the top bit set and trims leading zeros', () => {
    expect(toHex(der.unsignedInteger(bytes('80')))).toBe('02020080')
    expect(toHex(der.unsignedInteger(bytes('00007f')))).toBe('02017f')
    expect(toHex(der.smallInteger(2))).toBe('020102')
    expect(toHex(der.smallInteger(0))).toBe('020100')
  })

  it('writes UTCTime before 2050 and GeneralizedTime after (RFC 5280 §4.1.2.5)', () => {
    expect(toHex(der.time(new Date('2026-01-02T03:04:05Z')))).toBe(
      toHex(der.encode(0x17, new TextEncoder().encode('260102030405Z'))),
    )
    expect(der.time(new Date('2126-01-02T03:04:05Z'))[0]).toBe(0x18)
  })
})

describe('DER reader', () => {
  it('round-trips what the writer produces', () => {
    const encoded = der.sequence(
      der.oid('2.5.4.5'),
      der.boolean(true),
      der.time(new Date('2049-12-31T23:59:59Z')),
    )
    const fields = der.children(der.readOne(encoded, der.TAG_SEQUENCE, 'test'))
    expect(der.decodeOid(fields.read(der.TAG_OID))).toBe('2.5.4.5')
    expect(der.decodeBoolean(fields.read(der.TAG_BOOLEAN))).toBe(true)
    expect(der.decodeTime(fields.read()).toISOString()).toBe('2049-12-31T23:59:59.000Z')
    fields.end('test')
  })

  it('round-trips OIDs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 6 }),
        (first, second, rest) => {
          const dotted = [first, second, ...rest].join('.')
          expect(der.decodeOid(der.readOne(der.oid(dotted), der.TAG_OID, 'oid'))).toBe(dotted)
        },
      ),
    )
  })

  it.each([
    ['truncated header', '30'],
    ['value past the end', '300500'],
    ['indefinite length', '308000000000'],
    ['non-minimal long length', '30810100'],
    ['length with a leading zero', '3082000100'],
    ['5-byte length', '30850000000001'],
    ['high tag number', '1f0100'],
  ])('refuses %s', (_name, hex) => {
    expect(() => new der.DerReader(bytes(hex)).read()).toThrow(InvalidDerError)
  })

  it('refuses trailing bytes, wrong tags and bad primitive values', () => {
    expect(() => der.readOne(bytes('0400ff'), der.TAG_OCTET_STRING, 'x')).toThrow(/trailing/)
    expect(() => der.readOne(bytes('0400'), der.TAG_SEQUENCE, 'x')).toThrow(/expected tag/)
    expect(() => der.decodeBoolean(der.readOne(bytes('010101'), der.TAG_BOOLEAN, 'x'))).toThrow(
      InvalidDerError,
    )
    expect(() => der.decodeBitString(der.readOne(bytes('03020100'), der.TAG_BIT_STRING, 'x'))).toThrow(
      InvalidDerError,
    )
    expect(() => der.decodeOid(der.readOne(bytes('06022a86'), der.TAG_OID, 'x'))).toThrow(InvalidDerError)
    expect(() =>
      der.decodeTime(der.readOne(der.encode(0x17, new TextEncoder().encode('261302030405Z')), 0x17, 't')),
    ).toThrow(InvalidDerError)
    expect(() =>
      der.decodeTime(der.readOne(der.encode(0x17, new TextEncoder().encode('2601020304Z')), 0x17, 't')),
    ).toThrow(InvalidDerError)
  })

  it('either reads or throws InvalidDerError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        const reader = new der.DerReader(input)
        try {
          for (let i = 0; i < 64 && !reader.done; i++) {
            const element = reader.read()
            if (element.tag & 0x20) der.children(element).read()
          }
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidDerError)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
