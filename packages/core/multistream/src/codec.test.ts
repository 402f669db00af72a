import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import {
  concatMessages,
  encodeList,
  encodeMessages,
  MAX_MESSAGE_LENGTH,
  MessageDecoder,
  messageBytes,
  PROTOCOL_ID,
} from './codec.js'

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0))
const bytes = (...parts: Array<number | number[]>): Uint8Array => new Uint8Array(parts.flat())

/** 0x13 "/multistream/1.0.0\n": the header as every implementation sends it */
const HEADER = bytes(0x13, ascii('/multistream/1.0.0\n'))
const NA = bytes(0x03, ascii('na\n'))

describe('codec: encoding', () => {
  it('encodes the header as 0x13 "/multistream/1.0.0\\n"', () => {
    expect(encodeMessages([PROTOCOL_ID])).toEqual(HEADER)
  })

  it('encodes "na" and "ls"', () => {
    expect(encodeMessages(['na'])).toEqual(NA)
    expect(encodeMessages(['ls'])).toEqual(bytes(0x03, ascii('ls\n')))
  })

  it('puts header and proposal back to back in one buffer', () => {
    expect(encodeMessages([PROTOCOL_ID, '/echo/1.0.0'])).toEqual(
      bytes(0x13, ascii('/multistream/1.0.0\n'), 0x0c, ascii('/echo/1.0.0\n')),
    )
  })

  it('uses a two-byte varint from 128 bytes on', () => {
    const id = `/${'a'.repeat(199)}` // 200 chars + newline = 201 = 0xc9 0x01
    const encoded = encodeMessages([id])
    expect([...encoded.subarray(0, 2)]).toEqual([0xc9, 0x01])
    expect(encoded.byteLength).toBe(2 + 201)
    expect(encoded[encoded.byteLength - 1]).toBe(0x0a)
  })

  it('counts UTF-8 bytes, not characters', () => {
    // "é" is two bytes
    expect(encodeMessages(['/é'])).toEqual(bytes(0x04, 0x2f, 0xc3, 0xa9, 0x0a))
  })

  it('returns fresh buffers, so callers cannot corrupt the cache', () => {
    const first = encodeMessages(['/fresh/1'])
    first.fill(0)
    expect(encodeMessages(['/fresh/1'])).toEqual(bytes(0x09, ascii('/fresh/1\n')))
    expect(concatMessages([messageBytes('na')])).not.toBe(messageBytes('na'))
  })

  it('refuses text that does not fit a message', () => {
    expect(() => encodeMessages(['a'.repeat(MAX_MESSAGE_LENGTH)])).toThrow(RangeError)
    expect(() => encodeMessages(['é'.repeat(40_000)])).toThrow(RangeError)
    expect(encodeMessages(['a'.repeat(MAX_MESSAGE_LENGTH - 1)]).byteLength).toBe(3 + MAX_MESSAGE_LENGTH)
  })

  it('encodes the ls answer as one message of length-prefixed lines and a final newline', () => {
    expect(encodeList(['/a', '/bc'])).toEqual(bytes(0x0a, 0x03, ascii('/a\n'), 0x04, ascii('/bc\n'), 0x0a))
    expect(encodeList([])).toEqual(bytes(0x01, 0x0a))
  })
})

describe('codec: decoding', () => {
  it('decodes the header vector', () => {
    const decoder = new MessageDecoder()
    decoder.push(HEADER)
    expect(decoder.next()).toBe(PROTOCOL_ID)
    expect(decoder.next()).toBeUndefined()
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('decodes messages split at every byte boundary', () => {
    const wire = bytes([...HEADER], 0x0c, ascii('/echo/1.0.0\n'), [...NA])
    for (let split = 0; split <= wire.byteLength; split++) {
      const decoder = new MessageDecoder()
      const out: string[] = []
      for (const chunk of [wire.subarray(0, split), wire.subarray(split)]) {
        decoder.push(chunk)
        for (let m = decoder.next(); m !== undefined; m = decoder.next()) out.push(m)
      }
      expect(out).toEqual([PROTOCOL_ID, '/echo/1.0.0', 'na'])
    }
  })

  it('decodes from a Uint8ArrayList spread over many buffers', () => {
    const decoder = new MessageDecoder()
    decoder.push(new Uint8ArrayList(...[...HEADER].map((b) => Uint8Array.of(b))))
    expect(decoder.next()).toBe(PROTOCOL_ID)
  })

  it('decodes UTF-8', () => {
    const decoder = new MessageDecoder()
    decoder.push(bytes(0x04, 0x2f, 0xc3, 0xa9, 0x0a))
    expect(decoder.next()).toBe('/é')
  })

  it('leaves the bytes after a message untouched for takeRemainder', () => {
    const decoder = new MessageDecoder()
    decoder.push(bytes([...NA], 1, 2, 3))
    expect(decoder.next()).toBe('na')
    expect(decoder.takeRemainder().subarray()).toEqual(bytes(1, 2, 3))
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('rejects a message without its newline', () => {
    const decoder = new MessageDecoder()
    decoder.push(bytes(0x03, ascii('nax')))
    expect(() => decoder.next()).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
  })

  it('rejects an empty message', () => {
    const decoder = new MessageDecoder()
    decoder.push(bytes(0x00))
    expect(() => decoder.next()).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
  })

  it('rejects malformed UTF-8', () => {
    const decoder = new MessageDecoder()
    decoder.push(bytes(0x03, 0xff, 0xfe, 0x0a))
    expect(() => decoder.next()).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
  })

  it('rejects a length prefix that is not minimally encoded', () => {
    const decoder = new MessageDecoder()
    decoder.push(bytes(0x83, 0x00, ascii('na\n')))
    expect(() => decoder.next()).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
  })

  it('rejects an oversized length as soon as the prefix is read', () => {
    const decoder = new MessageDecoder(1024)
    decoder.push(bytes(0x81, 0x08)) // 1025, no body yet
    expect(() => decoder.next()).toThrow(
      expect.objectContaining({ name: 'MessageTooLargeError', size: 1025 }),
    )
  })

  it('rejects a prefix longer than the limit allows before it even ends', () => {
    const decoder = new MessageDecoder(1024)
    decoder.push(bytes(0xff, 0xff)) // a third varint byte would follow: at least 16384
    expect(() => decoder.next()).toThrow(expect.objectContaining({ name: 'MessageTooLargeError' }))
    const wide = new MessageDecoder(1024)
    wide.push(bytes(0xff, 0xff, 0xff, 0x7f))
    expect(() => wide.next()).toThrow(
      expect.objectContaining({ name: 'MessageTooLargeError', size: 268435455 }),
    )
  })

  it('accepts a message of exactly the limit and a larger limit when asked', () => {
    const id = `/${'x'.repeat(1022)}` // 1023 + newline = 1024
    const decoder = new MessageDecoder(1024)
    decoder.push(encodeMessages([id]))
    expect(decoder.next()).toBe(id)
    const big = `/${'y'.repeat(5000)}`
    const large = new MessageDecoder(MAX_MESSAGE_LENGTH)
    large.push(encodeMessages([big]))
    expect(large.next()).toBe(big)
  })

  it('refuses limits outside 1..65535', () => {
    expect(() => new MessageDecoder(0)).toThrow(RangeError)
    expect(() => new MessageDecoder(65536)).toThrow(RangeError)
    expect(() => new MessageDecoder(1.5)).toThrow(RangeError)
  })
})
