import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteWriter } from '../src/byte-writer.js'
import { FrameEncodingError, ProtocolViolationError, QuicTransportError } from '../src/errors.js'
import type { Frame } from '../src/frame.js'
import { decodeFrames } from '../src/frame-decoder.js'
import { encodeFrame, encodeFrames } from '../src/frame-encoder.js'
import { hex, toHex } from './hex.js'

const varint = fc.nat({ max: 2 ** 40 })
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max })

const ackRanges = fc
  .array(fc.tuple(fc.nat({ max: 1000 }), fc.nat({ max: 1000 })), { minLength: 1, maxLength: 20 })
  .map((pairs) => {
    // built upward from 0, then listed largest first
    const ranges: Array<{ smallest: number; largest: number }> = []
    let next = 0
    for (const [gap, length] of pairs) {
      const smallest: number = next + (ranges.length === 0 ? gap : gap + 1)
      ranges.push({ smallest, largest: smallest + length })
      next = smallest + length + 1
    }
    return ranges.reverse()
  })

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.constant<Frame>({ type: 'ping' }),
  fc.record({ type: fc.constant('ack' as const), ackDelay: varint, ranges: ackRanges }),
  fc.record({
    type: fc.constant('ack' as const),
    ackDelay: varint,
    ranges: ackRanges,
    ecn: fc.record({ ect0: varint, ect1: varint, ce: varint }),
  }),
  fc.record({
    type: fc.constant('reset-stream' as const),
    streamId: varint,
    errorCode: varint,
    finalSize: varint,
  }),
  fc.record({ type: fc.constant('stop-sending' as const), streamId: varint, errorCode: varint }),
  fc.record({ type: fc.constant('crypto' as const), offset: varint, data: bytes(0, 64) }),
  fc.record({ type: fc.constant('new-token' as const), token: bytes(1, 64) }),
  fc.record({
    type: fc.constant('stream' as const),
    streamId: varint,
    offset: varint,
    data: bytes(0, 64),
    fin: fc.boolean(),
  }),
  fc.record({ type: fc.constant('max-data' as const), maximum: varint }),
  fc.record({ type: fc.constant('max-stream-data' as const), streamId: varint, maximum: varint }),
  fc.record({ type: fc.constant('max-streams' as const), bidirectional: fc.boolean(), maximum: varint }),
  fc.record({ type: fc.constant('data-blocked' as const), limit: varint }),
  fc.record({ type: fc.constant('stream-data-blocked' as const), streamId: varint, limit: varint }),
  fc.record({ type: fc.constant('streams-blocked' as const), bidirectional: fc.boolean(), limit: varint }),
  fc
    .record({
      type: fc.constant('new-connection-id' as const),
      sequence: varint,
      retire: varint,
      connectionId: bytes(1, 20),
      statelessResetToken: bytes(16, 16),
    })
    .map(({ retire, ...rest }): Frame => ({ ...rest, retirePriorTo: Math.min(retire, rest.sequence) })),
  fc.record({ type: fc.constant('retire-connection-id' as const), sequence: varint }),
  fc.record({ type: fc.constant('path-challenge' as const), data: bytes(8, 8) }),
  fc.record({ type: fc.constant('path-response' as const), data: bytes(8, 8) }),
  fc.record({
    type: fc.constant('connection-close' as const),
    errorCode: varint,
    frameType: varint,
    reason: bytes(0, 32),
  }),
  fc.record({ type: fc.constant('connection-close' as const), errorCode: varint, reason: bytes(0, 32) }),
  fc.constant<Frame>({ type: 'handshake-done' }),
)

describe('frames (RFC 9000 §19)', () => {
  it('round-trips any list of frames', () => {
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 8 }), (frames) => {
        expect(decodeFrames(encodeFrames(frames))).toEqual(frames)
      }),
      { numRuns: 500 },
    )
  })

  it('covers all eight STREAM type bytes', () => {
    const seen = new Set<number>()
    for (const offset of [0, 9]) {
      for (const fin of [false, true]) {
        for (const lastInPacket of [false, true]) {
          const writer = new ByteWriter()
          const original: Frame = { type: 'stream', streamId: 4, offset, data: hex('abcd'), fin }
          encodeFrame(writer, original, { lastInPacket })
          const encoded = writer.finish()
          seen.add(encoded[0] as number)
          expect(decodeFrames(encoded)).toEqual([original])
        }
      }
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f])
    // offset 0 written explicitly (OFF bit set) still decodes
    expect(decodeFrames(hex('0e040002abcd'))).toEqual([
      { type: 'stream', streamId: 4, offset: 0, data: hex('abcd'), fin: false },
    ])
  })

  it('reads an ACK with ranges and gaps as the wire shows them', () => {
    // largest 10, delay 3, 1 more range, first range 2 (8..10), gap 1, length 1 -> 4..5
    expect(decodeFrames(hex('020a0301020101'))).toEqual([
      {
        type: 'ack',
        ackDelay: 3,
        ranges: [
          { smallest: 8, largest: 10 },
          { smallest: 4, largest: 5 },
        ],
      },
    ])
  })

  it('collapses PADDING runs and writes them back', () => {
    const payload = hex('01000000')
    const frames = decodeFrames(payload)
    expect(frames).toEqual([{ type: 'ping' }, { type: 'padding', length: 3 }])
    expect(toHex(encodeFrames(frames))).toBe('01000000')
  })

  it('enforces the packet-type table (RFC 9000 §12.4)', () => {
    expect(decodeFrames(hex('0100'), 'initial')).toHaveLength(2)
    expect(() => decodeFrames(hex('1e'), 'initial')).toThrow(ProtocolViolationError)
    expect(() => decodeFrames(hex('1d0000'), 'handshake')).toThrow(ProtocolViolationError)
    expect(decodeFrames(hex('1c000000'), 'handshake')).toHaveLength(1)
    expect(() => decodeFrames(hex('0600010a'), 'zero-rtt')).toThrow(ProtocolViolationError)
    expect(() => decodeFrames(new Uint8Array(0))).toThrow(ProtocolViolationError)
  })

  it('refuses malformed frames with FRAME_ENCODING_ERROR', () => {
    const bad = [
      '1f', // unknown type
      '4001', // PING in a two-byte type
      '0205000600', // first ACK range larger than the largest
      '0205000a000000', // ACK range count that cannot fit
      '0205000100ff01', // a second range below zero
      '07' + '00', // empty NEW_TOKEN
      '12e000000000000000', // MAX_STREAMS of 2^61
      '18010215' + '00'.repeat(37), // retire prior to > sequence
      '180100' + '15' + '00'.repeat(36), // NEW_CONNECTION_ID of 21 bytes
      '180100' + '00' + '00'.repeat(16), // NEW_CONNECTION_ID of 0 bytes
      '1a0102', // PATH_CHALLENGE truncated
      '0604', // CRYPTO truncated
      '0b0402ff', // STREAM with a length past the end
      '0e04ffffffffffffffff01', // STREAM offset past 2^53 - 1 with data
    ]
    for (const text of bad) {
      expect(() => decodeFrames(hex(text)), text).toThrow(FrameEncodingError)
    }
  })

  it('never throws anything but a QUIC transport error on random payloads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (payload) => {
        try {
          decodeFrames(payload)
        } catch (err) {
          expect(err).toBeInstanceOf(QuicTransportError)
        }
      }),
      { numRuns: 3000 },
    )
  })
})
