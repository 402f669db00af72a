import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { RequestTooLargeError } from './errors.js'
import { decodeRequest, encodeRequest, HEADER_LENGTH, ProgressClock, RequestParser } from './protocol.js'

describe('request header', () => {
  it('is a big-endian uint64', () => {
    expect(encodeRequest(0)).toEqual(new Uint8Array(8))
    expect(encodeRequest(1)).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 1]))
    expect(encodeRequest(0x0102030405)).toEqual(Uint8Array.from([0, 0, 0, 1, 2, 3, 4, 5]))
    expect(encodeRequest(Number.MAX_SAFE_INTEGER)).toEqual(
      Uint8Array.from([0, 0x1f, 255, 255, 255, 255, 255, 255]),
    )
  })

  it('decodes every uint64, including the largest', () => {
    expect(decodeRequest(new Uint8Array(8).fill(255))).toBe(2n ** 64n - 1n)
    expect(decodeRequest(encodeRequest(1 << 30))).toBe(2n ** 30n)
    const offset = new Uint8Array(12)
    offset.set(encodeRequest(513), 4)
    expect(decodeRequest(offset.subarray(4))).toBe(513n)
  })

  it('rejects bad sizes and lengths', () => {
    expect(() => encodeRequest(-1)).toThrow(RangeError)
    expect(() => encodeRequest(1.5)).toThrow(RangeError)
    expect(() => encodeRequest(2 ** 60)).toThrow(RangeError)
    expect(() => decodeRequest(new Uint8Array(7))).toThrow(RangeError)
  })
})

describe('RequestParser', () => {
  it('reads the header split across chunks and counts the rest', () => {
    const parser = new RequestParser(1000)
    const header = encodeRequest(999)
    parser.feed(header.subarray(0, 3))
    expect(parser.headerComplete).toBe(false)
    expect(parser.headerBytes).toBe(3)
    const rest = new Uint8ArrayList(header.subarray(3, 5), header.subarray(5), new Uint8Array(10))
    parser.feed(rest)
    expect(parser.headerComplete).toBe(true)
    expect(parser.requested).toBe(999)
    expect(parser.uploadBytes).toBe(10)
    parser.feed(new Uint8Array(100))
    expect(parser.uploadBytes).toBe(110)
  })

  it('takes the header and the upload from one chunk', () => {
    const parser = new RequestParser(10)
    const chunk = new Uint8Array(HEADER_LENGTH + 5)
    chunk.set(encodeRequest(7))
    parser.feed(chunk)
    expect(parser.requested).toBe(7)
    expect(parser.uploadBytes).toBe(5)
  })

  it('ignores empty chunks', () => {
    const parser = new RequestParser(10)
    parser.feed(new Uint8Array(0))
    expect(parser.headerBytes).toBe(0)
    expect(parser.uploadBytes).toBe(0)
  })

  it('refuses a request over the limit, up to the largest uint64', () => {
    const parser = new RequestParser(1000)
    expect(() => parser.feed(encodeRequest(1001))).toThrow(RequestTooLargeError)
    const huge = new RequestParser(Number.MAX_SAFE_INTEGER)
    try {
      huge.feed(new Uint8Array(8).fill(255))
      expect.unreachable()
    } catch (err) {
      expect((err as RequestTooLargeError).name).toBe('RequestTooLargeError')
      expect((err as RequestTooLargeError).requested).toBe(2n ** 64n - 1n)
    }
  })

  it('rejects a bad limit', () => {
    expect(() => new RequestParser(-1)).toThrow(RangeError)
  })
})

describe('ProgressClock', () => {
  it('reports the time and bytes of each interval', () => {
    const clock = new ProgressClock(1000, 500)
    expect(clock.due(1499)).toBe(false)
    expect(clock.due(1500)).toBe(true)
    expect(clock.report(1600, 300, 0)).toEqual({
      type: 'intermediary',
      timeSeconds: 0.6,
      uploadBytes: 300,
      downloadBytes: 0,
    })
    expect(clock.due(2000)).toBe(false)
    expect(clock.report(2200, 400, 50)).toEqual({
      type: 'intermediary',
      timeSeconds: 0.6,
      uploadBytes: 100,
      downloadBytes: 50,
    })
  })
})
