/**
 * yamux and mplex: the frame decoders every byte of a multiplexed connection
 * passes through. Inputs are fed both whole and cut into socket-sized chunks.
 */
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import { FrameDecoder as MplexDecoder } from '../../../packages/muxers/mplex/src/decoder.js'
import {
  encodeFrame as encodeMplexFrame,
  MAX_MESSAGE_TYPE,
  type MessageType,
} from '../../../packages/muxers/mplex/src/frame.js'
import {
  type FrameHandler,
  FrameDecoder as YamuxDecoder,
} from '../../../packages/muxers/yamux/src/decoder.js'
import {
  decodeHeader,
  encodeFrameHeader,
  type FrameHeader,
} from '../../../packages/muxers/yamux/src/frame.js'
import { socketChunks, splitAt } from './support/chunks.js'
import { fuzzTarget, roundTrip } from './support/fuzz.js'

/** the frame limit a host uses by default (1 MiB, the spec's) */
const MPLEX_MAX_MESSAGE_SIZE = 1024 * 1024

interface YamuxEvent {
  header: FrameHeader
  data: number
}

function yamuxDecodeAll(chunks: readonly Uint8Array[]): YamuxEvent[] {
  const events: YamuxEvent[] = []
  const handler: FrameHandler = {
    onFrame: (header) => events.push({ header, data: 0 }),
    onDataStart: (header) => events.push({ header, data: 0 }),
    onData: (chunk) => {
      const last = events.at(-1)
      if (last !== undefined) last.data += chunk.byteLength
    },
    onDataEnd: () => {},
  }
  const decoder = new YamuxDecoder(handler)
  for (const chunk of chunks) decoder.push(chunk)
  return events
}

interface MplexFrame {
  id: number
  type: MessageType
  body: Uint8Array
}

function mplexDecodeAll(chunks: readonly Uint8Array[]): MplexFrame[] {
  const frames: MplexFrame[] = []
  const decoder = new MplexDecoder(MPLEX_MAX_MESSAGE_SIZE)
  for (const chunk of chunks) {
    decoder.decode(chunk, (id, type, body) => frames.push({ id, type, body: body.subarray() }))
  }
  return frames
}

const yamuxHeader = fc.record({
  type: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<FrameHeader['type']>,
  flags: fc.integer({ min: 0, max: 0xffff }),
  streamId: fc.integer({ min: 0, max: 0xffffffff }),
  length: fc.integer({ min: 0, max: 0xffffffff }),
})

describe('yamux', () => {
  fuzzTarget('yamux-header', (bytes) => decodeHeader(bytes, 0), { corpus: 'yamux', maxLength: 16 })
  fuzzTarget('yamux-decoder', (bytes) => yamuxDecodeAll([bytes]), { corpus: 'yamux' })
  fuzzTarget('yamux-decoder-chunked', (bytes) => yamuxDecodeAll(socketChunks(bytes)), { corpus: 'yamux' })
  roundTrip('yamux-header', yamuxHeader, (header) => {
    expect(decodeHeader(encodeFrameHeader(header), 0)).toEqual(header)
  })
})

const mplexFrame = fc.record({
  id: fc.integer({ min: 0, max: 2 ** 40 }),
  type: fc.integer({ min: 0, max: MAX_MESSAGE_TYPE }) as fc.Arbitrary<MessageType>,
  body: fc.uint8Array({ maxLength: 300 }),
})

describe('mplex', () => {
  fuzzTarget('mplex-decoder', (bytes) => mplexDecodeAll([bytes]), { corpus: 'mplex' })
  fuzzTarget('mplex-decoder-chunked', (bytes) => mplexDecodeAll(socketChunks(bytes)), { corpus: 'mplex' })
  roundTrip(
    'mplex-frames, cut anywhere',
    fc.tuple(fc.array(mplexFrame, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 8 })),
    ([frames, cuts]) => {
      const wire = frames.map((frame) => encodeMplexFrame(frame.id, frame.type, frame.body))
      const joined = new Uint8Array(wire.reduce((total, part) => total + part.byteLength, 0))
      let offset = 0
      for (const part of wire) {
        joined.set(part, offset)
        offset += part.byteLength
      }
      expect(mplexDecodeAll(splitAt(joined, cuts))).toEqual(frames)
    },
  )
})
