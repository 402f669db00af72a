import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { FrameDecoder } from './decoder.js'
import { FrameTooLargeError, InvalidFrameError } from './errors.js'
import { encodeFrame, MessageType } from './frame.js'

interface Decoded {
  id: number
  type: number
  body: Uint8Array
}

function decodeAll(decoder: FrameDecoder, ...chunks: Uint8Array[]): Decoded[] {
  const out: Decoded[] = []
  for (const chunk of chunks) {
    decoder.decode(chunk, (id, type, body) => out.push({ id, type, body: body.subarray() }))
  }
  return out
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

describe('frame encoding (hand-made vectors)', () => {
  it('NewStream for stream 0 named "0"', () => {
    expect(encodeFrame(0, MessageType.NewStream, bytes(0x30))).toEqual(bytes(0x00, 0x01, 0x30))
  })

  it('MessageInitiator on stream 1 carrying "hi"', () => {
    expect(encodeFrame(1, MessageType.MessageInitiator, bytes(0x68, 0x69))).toEqual(
      bytes(0x0a, 0x02, 0x68, 0x69),
    )
  })

  it('CloseReceiver on stream 17 (two-byte header varint)', () => {
    // 17 << 3 | 3 = 139 = 0x8b 0x01
    expect(encodeFrame(17, MessageType.CloseReceiver)).toEqual(bytes(0x8b, 0x01, 0x00))
  })

  it('ResetInitiator on stream 1000', () => {
    // 1000 << 3 | 6 = 8006 = 0xc6 0x3e
    expect(encodeFrame(1000, MessageType.ResetInitiator)).toEqual(bytes(0xc6, 0x3e, 0x00))
  })

  it('a 300-byte body gets a two-byte length', () => {
    const frame = encodeFrame(2, MessageType.MessageReceiver, new Uint8Array(300).fill(7))
    expect(frame.subarray(0, 3)).toEqual(bytes(0x11, 0xac, 0x02))
    expect(frame.byteLength).toBe(303)
  })

  it('the largest stream id encodes in eight header bytes', () => {
    const id = Math.floor(Number.MAX_SAFE_INTEGER / 8)
    const frame = encodeFrame(id, MessageType.ResetReceiver)
    expect(frame.byteLength).toBe(9)
    const decoded = decodeAll(new FrameDecoder(10), frame)
    expect(decoded).toEqual([{ id, type: MessageType.ResetReceiver, body: new Uint8Array(0) }])
  })

  it('refuses stream ids that do not fit', () => {
    expect(() => encodeFrame(Number.MAX_SAFE_INTEGER, MessageType.NewStream)).toThrow(RangeError)
    expect(() => encodeFrame(-1, MessageType.NewStream)).toThrow(RangeError)
  })
})

describe('FrameDecoder', () => {
  const stream = [
    ...encodeFrame(0, MessageType.NewStream, bytes(0x30)),
    ...encodeFrame(0, MessageType.MessageInitiator, new Uint8Array(200).fill(9)),
    ...encodeFrame(3, MessageType.MessageReceiver, bytes(1, 2, 3)),
    ...encodeFrame(0, MessageType.CloseInitiator),
    ...encodeFrame(3, MessageType.ResetReceiver),
  ]
  const expected = [
    { id: 0, type: 0, body: bytes(0x30) },
    { id: 0, type: 2, body: new Uint8Array(200).fill(9) },
    { id: 3, type: 1, body: bytes(1, 2, 3) },
    { id: 0, type: 4, body: new Uint8Array(0) },
    { id: 3, type: 5, body: new Uint8Array(0) },
  ]

  it('decodes several frames from one chunk', () => {
    expect(decodeAll(new FrameDecoder(1024), Uint8Array.from(stream))).toEqual(expected)
  })

  it('decodes the same frames fed one byte at a time', () => {
    const decoder = new FrameDecoder(1024)
    expect(decodeAll(decoder, ...stream.map((byte) => bytes(byte)))).toEqual(expected)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('hands out bodies as views of the received chunk, without copying', () => {
    const chunk = encodeFrame(5, MessageType.MessageInitiator, new Uint8Array(1000).fill(1))
    let body: Uint8Array | Uint8ArrayList | undefined
    new FrameDecoder(1024).decode(chunk, (_id, _type, b) => {
      body = b
    })
    expect(body).toBeInstanceOf(Uint8Array)
    expect((body as Uint8Array).buffer).toBe(chunk.buffer)
  })

  it('hands out a frame spanning chunks as a list of views', () => {
    const frame = encodeFrame(5, MessageType.MessageInitiator, new Uint8Array(1000).fill(1))
    const first = frame.slice(0, 500)
    const second = frame.slice(500)
    let body: Uint8Array | Uint8ArrayList | undefined
    const decoder = new FrameDecoder(1024)
    decoder.decode(first, () => expect.fail('incomplete frame'))
    decoder.decode(new Uint8ArrayList(second), (_id, _type, b) => {
      body = b
    })
    expect(body).toBeInstanceOf(Uint8ArrayList)
    expect([...(body as Uint8ArrayList)].map((view) => view.buffer)).toEqual([first.buffer, second.buffer])
    expect(body!.byteLength).toBe(1000)
  })

  it('decodes frames split across the bufs of one list', () => {
    const bytes = Uint8Array.from(stream)
    const list = new Uint8ArrayList()
    for (let offset = 0; offset < bytes.byteLength; offset += 13)
      list.append(bytes.subarray(offset, offset + 13))
    const out: Decoded[] = []
    new FrameDecoder(1024).decode(list, (id, type, body) => out.push({ id, type, body: body.subarray() }))
    expect(out).toEqual(expected)
  })

  it('accepts non-minimal varints', () => {
    expect(decodeAll(new FrameDecoder(10), bytes(0x8a, 0x00, 0x81, 0x00, 0x42))).toEqual([
      { id: 1, type: 2, body: bytes(0x42) },
    ])
  })

  it('rejects flag 7 as soon as the header arrives', () => {
    expect(() => decodeAll(new FrameDecoder(10), bytes(0x0f))).toThrow(InvalidFrameError)
  })

  it('rejects an oversized length before the body is buffered', () => {
    const decoder = new FrameDecoder(1024)
    // MessageInitiator on stream 0, length 1025 (0x81 0x08)
    expect(() => decodeAll(decoder, bytes(0x02, 0x81, 0x08))).toThrow(FrameTooLargeError)
    try {
      decodeAll(new FrameDecoder(1024), bytes(0x02, 0x81, 0x08))
    } catch (err) {
      expect((err as FrameTooLargeError).size).toBe(1025)
      expect((err as FrameTooLargeError).limit).toBe(1024)
      expect((err as Error).name).toBe('FrameTooLargeError')
    }
  })

  it('rejects over-long varints', () => {
    expect(() => decodeAll(new FrameDecoder(10), new Uint8Array(10).fill(0xff))).toThrow(InvalidFrameError)
    expect(() => decodeAll(new FrameDecoder(10), bytes(0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01))).toThrow(
      InvalidFrameError,
    )
  })

  it('holds at most one incomplete frame', () => {
    const decoder = new FrameDecoder(1024)
    const frame = encodeFrame(1, MessageType.MessageInitiator, new Uint8Array(1024))
    decodeAll(decoder, frame.subarray(0, 1000))
    expect(decoder.bufferedBytes).toBe(1000)
    expect(decodeAll(decoder, frame.subarray(1000), frame.subarray(0, 2))).toHaveLength(1)
    expect(decoder.bufferedBytes).toBe(2)
  })

  it('stops when asked to after a frame', () => {
    const out: number[] = []
    const decoder = new FrameDecoder(1024)
    decoder.decode(
      Uint8Array.from(stream),
      (id) => out.push(id),
      () => out.length === 2,
    )
    expect(out).toEqual([0, 0])
  })
})
