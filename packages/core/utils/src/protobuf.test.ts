import { describe, expect, it } from 'vitest'
import { InvalidProtobufError, LimitExceededError, MessageTooLargeError } from './errors.js'
import { isInvalidProtobufError, type ProtobufField, ProtobufReader, ProtobufWriter } from './protobuf.js'

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const readAll = (bytes: Uint8Array): ProtobufField[] => [...new ProtobufReader(bytes)]

describe('ProtobufReader', () => {
  it('reads the vectors of the protobuf encoding guide', () => {
    // "A Simple Message", "Length-Delimited Records", "Submessages"
    expect(readAll(hex('08 96 01'))).toEqual([{ field: 1, wireType: 0, value: 150n }])
    const [text] = readAll(hex('12 07 74 65 73 74 69 6e 67'))
    expect(text).toMatchObject({ field: 2, wireType: 2 })
    expect(new TextDecoder().decode(text!.value as Uint8Array)).toBe('testing')
    const [outer] = readAll(hex('1a 03 08 96 01'))
    expect(outer).toMatchObject({ field: 3, wireType: 2 })
    expect(readAll(outer!.value as Uint8Array)).toEqual([{ field: 1, wireType: 0, value: 150n }])
  })

  it('splits varint, fixed and length-delimited fields', () => {
    const bytes = new Uint8Array([
      0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x02, 0xaa, 0xbb, 0x25, 1, 2, 3, 4,
    ])
    const fields = readAll(bytes)
    expect(fields.map((f) => [f.field, f.wireType])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 5],
    ])
    expect(fields[0]!.value).toBe(150n)
    expect(fields[1]!.value).toEqual(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))
    expect(fields[2]!.value).toEqual(new Uint8Array([0xaa, 0xbb]))
    expect(fields[3]!.value).toEqual(new Uint8Array([1, 2, 3, 4]))
  })

  it('returns views into the input, not copies', () => {
    const bytes = hex('0a 02 aabb')
    const [field] = readAll(bytes)
    expect((field!.value as Uint8Array).buffer).toBe(bytes.buffer)
  })

  it('reads a 64-bit varint as a bigint and keeps reading', () => {
    const fields = readAll(
      new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0x01]),
    )
    expect(fields.map((f) => f.value)).toEqual([2n ** 64n - 1n, 1n])
    expect(readAll(hex('08 8080808080808080 01'))[0]!.value).toBe(2n ** 56n)
  })

  it('accepts padded (non-minimal) varints, as protobuf allows', () => {
    expect(readAll(hex('88 00 81 80 00'))).toEqual([{ field: 1, wireType: 0, value: 1n }])
  })

  it('reads with read() until undefined, and reports done', () => {
    const reader = new ProtobufReader(hex('08 01 10 02'))
    expect(reader.done).toBe(false)
    expect(reader.read()).toEqual({ field: 1, wireType: 0, value: 1n })
    expect(reader.read()).toEqual({ field: 2, wireType: 0, value: 2n })
    expect(reader.done).toBe(true)
    expect(reader.read()).toBeUndefined()
    expect(readAll(new Uint8Array(0))).toEqual([])
  })

  it.each([
    ['a length past the end', '0a 05 01', /field 1 announces 5 bytes but only 1 remain/],
    ['a truncated fixed64', '11 0102', /truncated fixed64/],
    ['a truncated fixed32', '2d 010203', /truncated fixed32/],
    ['field number 0', '02 00', /field number 0/],
    ['a start group (wire type 3)', '0b', /wire type 3/],
    ['an end group (wire type 4)', '0c', /wire type 4/],
    ['wire type 6', '0e', /wire type 6/],
    ['wire type 7', '0f', /wire type 7/],
    ['a truncated tag', '8a', /truncated field tag/],
    ['a truncated varint value', '08 ff', /truncated varint of field 1/],
    ['a truncated length', '0a', /truncated length of field 1/],
    ['a varint longer than 10 bytes', `08 ${'ff'.repeat(11)}`, /longer than 10 bytes/],
    ['a tag longer than 10 bytes', `${'80'.repeat(10)}01`, /longer than 10 bytes/],
    ['a varint over 64 bits', `08 ${'ff'.repeat(9)}02`, /exceeds 64 bits/],
    ['a tag over 32 bits', '8880808010', /exceeds 32 bits/],
    ['a length past 2^53', '0a ffffffffffffffff7f', /announces/],
  ])('throws InvalidProtobufError on %s', (_, input, message) => {
    expect(() => readAll(hex(input))).toThrow(InvalidProtobufError)
    expect(() => readAll(hex(input))).toThrow(message)
  })

  it('recognises its error by name, from any copy of the package', () => {
    expect(isInvalidProtobufError(new InvalidProtobufError('x'))).toBe(true)
    const foreign = Object.assign(new Error('x'), { name: 'InvalidProtobufError' })
    expect(isInvalidProtobufError(foreign)).toBe(true)
    expect(isInvalidProtobufError(new Error('x'))).toBe(false)
    expect(isInvalidProtobufError({ name: 'InvalidProtobufError' })).toBe(false)
    expect(isInvalidProtobufError(undefined)).toBe(false)
  })

  it('reads the fields before a malformed one', () => {
    const reader = new ProtobufReader(hex('08 01 0a 05'))
    expect(reader.read()).toEqual({ field: 1, wireType: 0, value: 1n })
    expect(() => reader.read()).toThrow(InvalidProtobufError)
  })

  it('refuses oversized input and field floods with limit errors', () => {
    expect(() => new ProtobufReader(new Uint8Array(101), { maxSize: 100 })).toThrow(MessageTooLargeError)
    expect(readAll(new Uint8Array(0))).toEqual([])
    const flood = new Uint8Array(2 * 10)
    for (let i = 0; i < flood.length; i += 2) flood[i] = 0x30 // field 6, varint 0
    expect([...new ProtobufReader(flood, { maxFields: 10 })]).toHaveLength(10)
    expect(() => [...new ProtobufReader(flood, { maxFields: 9 })]).toThrow(LimitExceededError)
  })

  it('is total on random input: reads or throws InvalidProtobufError', () => {
    let seed = 7
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    const valid = new ProtobufWriter()
      .varint(1, 300)
      .bytes(2, new Uint8Array(20).fill(7))
      .message(3, new ProtobufWriter().string(1, '/yamux/1.0.0').uint64(2, 2n ** 63n))
      .finish()
    let failures = 0
    for (let round = 0; round < 5000; round++) {
      const input =
        round % 2 === 0
          ? Uint8Array.from({ length: random() % 64 }, () => random() & 0xff)
          : valid.map((byte) => (random() % 10 === 0 ? random() & 0xff : byte))
      try {
        for (const field of new ProtobufReader(input)) {
          if (field.wireType === 2) readAll(field.value)
        }
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidProtobufError)
        failures++
      }
    }
    expect(failures).toBeGreaterThan(0)
  })
})

describe('ProtobufWriter', () => {
  it('writes the vectors of the protobuf encoding guide', () => {
    expect(toHex(new ProtobufWriter().varint(1, 150).finish())).toBe('089601')
    expect(toHex(new ProtobufWriter().string(2, 'testing').finish())).toBe('120774657374696e67')
    expect(toHex(new ProtobufWriter().message(3, new ProtobufWriter().varint(1, 150)).finish())).toBe(
      '1a03089601',
    )
  })

  it('writes fields in ascending order, repeated fields in the order added', () => {
    const writer = new ProtobufWriter()
      .string(3, 'c1')
      .varint(1, 1)
      .string(3, 'c2')
      .bytes(2, Uint8Array.of(0xbb))
    expect(toHex(writer.finish())).toBe('0801' + '1201bb' + '1a026331' + '1a026332')
  })

  it('encodes uint64 values minimally, up to 2^64 - 1', () => {
    expect(toHex(new ProtobufWriter().uint64(2, 0n).finish())).toBe('1000')
    expect(toHex(new ProtobufWriter().uint64(2, 2n ** 64n - 1n).finish())).toBe('10ffffffffffffffffff01')
    expect(toHex(new ProtobufWriter().uint64(2, 2n ** 53n).finish())).toBe('108080808080808010')
    expect(() => new ProtobufWriter().uint64(2, 2n ** 64n)).toThrow(RangeError)
    expect(() => new ProtobufWriter().uint64(2, -1n)).toThrow(RangeError)
  })

  it('refuses bad field numbers and varint values', () => {
    expect(() => new ProtobufWriter().varint(0, 1)).toThrow(RangeError)
    expect(() => new ProtobufWriter().varint(2 ** 29, 1)).toThrow(RangeError)
    expect(() => new ProtobufWriter().varint(1, -1)).toThrow(RangeError)
    expect(() => new ProtobufWriter().varint(1, 1.5)).toThrow(RangeError)
    const writer = new ProtobufWriter()
    expect(() => writer.message(1, writer)).toThrow(RangeError)
  })

  it('handles the largest field number', () => {
    const bytes = new ProtobufWriter().varint(2 ** 29 - 1, 1).finish()
    expect(toHex(bytes)).toBe('f8ffffff0f01')
    expect(readAll(bytes)).toEqual([{ field: 2 ** 29 - 1, wireType: 0, value: 1n }])
  })

  it('prefixes the length in the same buffer when asked', () => {
    const writer = new ProtobufWriter().bytes(1, new Uint8Array(200))
    const plain = writer.finish()
    const prefixed = writer.finish({ lengthPrefixed: true })
    expect(writer.byteLength).toBe(plain.byteLength)
    expect(toHex(prefixed.subarray(0, 2))).toBe('cb01') // 203
    expect(prefixed.subarray(2)).toEqual(plain)
  })

  it('round-trips through the reader', () => {
    const nested = new ProtobufWriter().string(2, '/noise').bytes(1, Uint8Array.of(1, 2))
    const bytes = new ProtobufWriter()
      .uint64(5, 1234567890123456789n)
      .message(4, nested)
      .string(3, 'ünïcode')
      .bytes(1, new Uint8Array(0))
      .finish()
    const fields = readAll(bytes)
    expect(fields.map((f) => f.field)).toEqual([1, 3, 4, 5])
    expect(fields[0]!.value).toEqual(new Uint8Array(0))
    expect(new TextDecoder().decode(fields[1]!.value as Uint8Array)).toBe('ünïcode')
    expect(readAll(fields[2]!.value as Uint8Array).map((f) => f.field)).toEqual([1, 2])
    expect(fields[3]!.value).toBe(1234567890123456789n)
  })
})
