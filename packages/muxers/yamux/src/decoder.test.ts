import { describe, expect, it } from 'vitest'
import { FrameDecoder, type FrameHandler } from './decoder.js'
import { InvalidFrameError } from './errors.js'
import { encodeFrameHeader, Flag, type FrameHeader, FrameType } from './frame.js'

interface Event {
  kind: 'frame' | 'start' | 'data' | 'end'
  header?: FrameHeader
  bytes?: number[]
}

function recorder(): { handler: FrameHandler; events: Event[] } {
  const events: Event[] = []
  return {
    events,
    handler: {
      onFrame: (header) => events.push({ kind: 'frame', header }),
      onDataStart: (header) => events.push({ kind: 'start', header }),
      onData: (chunk) => events.push({ kind: 'data', bytes: Array.from(chunk) }),
      onDataEnd: (header) => events.push({ kind: 'end', header }),
    },
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** Frames and payload bytes as seen, with payload pieces joined. */
function summary(events: Event[]): unknown[] {
  const out: unknown[] = []
  let payload: number[] | undefined
  for (const event of events) {
    if (event.kind === 'start') payload = []
    else if (event.kind === 'data') payload?.push(...(event.bytes ?? []))
    else if (event.kind === 'end') {
      out.push({ ...event.header, payload })
      payload = undefined
    } else out.push(event.header)
  }
  return out
}

const stream = concat(
  encodeFrameHeader({ type: FrameType.WindowUpdate, flags: Flag.SYN, streamId: 1, length: 0 }),
  encodeFrameHeader({ type: FrameType.Data, flags: 0, streamId: 1, length: 5 }),
  new Uint8Array([1, 2, 3, 4, 5]),
  encodeFrameHeader({ type: FrameType.Ping, flags: Flag.SYN, streamId: 0, length: 7 }),
  encodeFrameHeader({ type: FrameType.Data, flags: Flag.FIN, streamId: 1, length: 0 }),
  encodeFrameHeader({ type: FrameType.Data, flags: 0, streamId: 3, length: 3 }),
  new Uint8Array([9, 8, 7]),
  encodeFrameHeader({ type: FrameType.GoAway, flags: 0, streamId: 0, length: 0 }),
)

const expected = [
  { type: FrameType.WindowUpdate, flags: Flag.SYN, streamId: 1, length: 0 },
  { type: FrameType.Data, flags: 0, streamId: 1, length: 5, payload: [1, 2, 3, 4, 5] },
  { type: FrameType.Ping, flags: Flag.SYN, streamId: 0, length: 7 },
  { type: FrameType.Data, flags: Flag.FIN, streamId: 1, length: 0, payload: [] },
  { type: FrameType.Data, flags: 0, streamId: 3, length: 3, payload: [9, 8, 7] },
  { type: FrameType.GoAway, flags: 0, streamId: 0, length: 0 },
]

describe('FrameDecoder', () => {
  it('decodes a run of frames in one chunk', () => {
    const { handler, events } = recorder()
    new FrameDecoder(handler).push(stream)
    expect(summary(events)).toEqual(expected)
  })

  it('decodes the same frames however the bytes are split', () => {
    for (let split = 1; split < stream.byteLength; split++) {
      const { handler, events } = recorder()
      const decoder = new FrameDecoder(handler)
      decoder.push(stream.subarray(0, split))
      decoder.push(stream.subarray(split))
      expect(summary(events)).toEqual(expected)
      expect(decoder.insideFrame).toBe(false)
    }
  })

  it('decodes byte by byte, passing payloads on as they arrive', () => {
    const { handler, events } = recorder()
    const decoder = new FrameDecoder(handler)
    for (let i = 0; i < stream.byteLength; i++) decoder.push(stream.subarray(i, i + 1))
    expect(summary(events)).toEqual(expected)
    // the 5-byte payload came in 5 pieces, each as soon as it arrived
    expect(events.filter((event) => event.kind === 'data').length).toBe(8)
  })

  it('passes payloads on as views of the input, without copying', () => {
    const seen: Uint8Array[] = []
    const decoder = new FrameDecoder({ ...recorder().handler, onData: (chunk) => seen.push(chunk) })
    decoder.push(stream)
    expect(seen[0].buffer).toBe(stream.buffer)
  })

  it('reports a frame in progress', () => {
    const decoder = new FrameDecoder(recorder().handler)
    decoder.push(stream.subarray(0, 5))
    expect(decoder.insideFrame).toBe(true)
    decoder.push(stream.subarray(5, 12 + 12 + 2))
    expect(decoder.insideFrame).toBe(true)
  })

  it('throws InvalidFrameError on a bad version and stops for good', () => {
    const { handler, events } = recorder()
    const decoder = new FrameDecoder(handler)
    const bad = concat(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), stream)
    expect(() => decoder.push(bad)).toThrow(InvalidFrameError)
    decoder.push(stream)
    expect(events).toEqual([])
  })

  it('throws InvalidFrameError on an unknown type split across chunks', () => {
    const decoder = new FrameDecoder(recorder().handler)
    decoder.push(new Uint8Array([0, 9, 0]))
    expect(() => decoder.push(new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(/frame type/)
  })

  it('stops in the middle of a chunk when a handler calls stop()', () => {
    const events: string[] = []
    const decoder: FrameDecoder = new FrameDecoder({
      onFrame: () => {
        events.push('frame')
        decoder.stop()
      },
      onDataStart: () => events.push('start'),
      onData: () => events.push('data'),
      onDataEnd: () => events.push('end'),
    })
    decoder.push(stream)
    expect(events).toEqual(['frame'])
  })

  it('propagates a handler error and stops', () => {
    const events: string[] = []
    const decoder = new FrameDecoder({
      ...recorder().handler,
      onDataStart: () => {
        throw new Error('window exceeded')
      },
      onFrame: () => events.push('frame'),
    })
    expect(() => decoder.push(stream)).toThrow('window exceeded')
    decoder.push(stream)
    expect(events).toEqual(['frame'])
  })
})
