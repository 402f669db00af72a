import { InvalidCryptoExchangeError } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { decodeExtensions, decodePayload, encodePayload, MAX_EXTENSION_ENTRIES } from './payload.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)
const concat = (...parts: Uint8Array[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => Array.from(part)))
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
const field = (number: number, value: Uint8Array): Uint8Array =>
  concat(bytes((number << 3) | 2, value.byteLength), value)

describe('handshake payload codec', () => {
  it('round-trips identity and extensions', () => {
    const payload = {
      identityKey: bytes(8, 1, 18, 2, 9, 9),
      identitySig: new Uint8Array(64).fill(3),
      extensions: { webtransportCerthashes: [bytes(1, 2)], streamMuxers: ['/yamux/1.0.0', '/mplex/6.7.0'] },
    }
    expect(decodePayload(encodePayload(payload))).toEqual(payload)
  })

  it('encodes fields 1, 2 and 4 in order, and omits absent extensions', () => {
    const encoded = encodePayload({ identityKey: bytes(7), identitySig: bytes(8) })
    expect(Array.from(encoded)).toEqual([0x0a, 1, 7, 0x12, 1, 8])
    const withMuxer = encodePayload({
      identityKey: bytes(7),
      identitySig: bytes(8),
      extensions: { webtransportCerthashes: [], streamMuxers: ['/y'] },
    })
    expect(Array.from(withMuxer.subarray(6))).toEqual([0x22, 4, 0x12, 2, 0x2f, 0x79])
  })

  it('skips unknown fields of every wire type', () => {
    const unknown = concat(
      bytes(3 << 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), // field 3, 10-byte varint
      field(3, ascii('legacy early data')), // the old `data` field
      bytes((5 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8), // fixed64
      bytes((6 << 3) | 5, 1, 2, 3, 4), // fixed32
    )
    const extensions = concat(field(2, ascii('/yamux/1.0.0')), bytes(9 << 3, 1), field(1, bytes(0xaa)))
    const decoded = decodePayload(
      concat(field(1, bytes(1)), unknown, field(2, bytes(2)), field(4, extensions)),
    )
    expect(decoded).toEqual({
      identityKey: bytes(1),
      identitySig: bytes(2),
      extensions: { webtransportCerthashes: [bytes(0xaa)], streamMuxers: ['/yamux/1.0.0'] },
    })
  })

  it('merges an extensions field that occurs twice', () => {
    const decoded = decodePayload(
      concat(
        field(1, bytes(1)),
        field(2, bytes(2)),
        field(4, field(2, ascii('/a'))),
        field(4, field(2, ascii('/b'))),
      ),
    )
    expect(decoded.extensions?.streamMuxers).toEqual(['/a', '/b'])
  })

  it('accepts an empty extensions message', () => {
    const decoded = decodePayload(concat(field(1, bytes(1)), field(2, bytes(2)), bytes(0x22, 0)))
    expect(decoded.extensions).toEqual({ webtransportCerthashes: [], streamMuxers: [] })
  })

  it.each([
    ['a missing identity key', concat(field(2, bytes(2)))],
    ['a missing signature', concat(field(1, bytes(1)))],
    ['a length past the end', bytes(0x0a, 5, 1, 2)],
    ['a cut-off varint', bytes(0x0a, 0x80)],
    ['a cut-off fixed64', concat(field(1, bytes(1)), field(2, bytes(2)), bytes(0x29, 1, 2))],
    ['a group wire type', concat(field(1, bytes(1)), field(2, bytes(2)), bytes(0x2b))],
    ['field number 0', bytes(0x02, 0)],
    ['identity key as a varint', concat(bytes(0x08, 1), field(2, bytes(2)))],
    ['an over-long varint', bytes(0x0a, ...new Array(11).fill(0x80))],
    [
      'invalid UTF-8 in a muxer name',
      concat(field(1, bytes(1)), field(2, bytes(2)), field(4, field(2, bytes(0xc3)))),
    ],
  ])('rejects %s with InvalidCryptoExchangeError', (_, input) => {
    expect(() => decodePayload(input)).toThrow(InvalidCryptoExchangeError)
  })

  it(`rejects more than ${MAX_EXTENSION_ENTRIES} muxers`, () => {
    const many = concat(...Array.from({ length: MAX_EXTENSION_ENTRIES + 1 }, () => field(2, ascii('/m'))))
    expect(() => decodeExtensions(many)).toThrow(InvalidCryptoExchangeError)
    expect(decodeExtensions(many.subarray(0, 4 * MAX_EXTENSION_ENTRIES)).streamMuxers).toHaveLength(
      MAX_EXTENSION_ENTRIES,
    )
  })

  it('is total on random input: decodes or throws InvalidCryptoExchangeError', () => {
    let seed = 42
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    const valid = encodePayload({
      identityKey: new Uint8Array(36).fill(1),
      identitySig: new Uint8Array(64).fill(2),
      extensions: { webtransportCerthashes: [], streamMuxers: ['/yamux/1.0.0'] },
    })
    for (let round = 0; round < 3000; round++) {
      const input =
        round % 2 === 0
          ? Uint8Array.from({ length: random() % 64 }, () => random() & 0xff)
          : valid.map((byte) => (random() % 20 === 0 ? random() & 0xff : byte))
      try {
        decodePayload(input)
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidCryptoExchangeError)
      }
    }
  })
})
