import { describe, expect, it } from 'vitest'
import { InvalidFrameError } from './errors.js'
import {
  decodeHeader,
  describeHeader,
  encodeFrameHeader,
  Flag,
  type FrameHeader,
  FrameType,
  GoAwayCode,
} from './frame.js'

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

// Hand-made from the spec's "Framing" section: version u8, type u8, flags u16,
// stream id u32, length u32, all big endian.
const vectors: Array<{ name: string; header: FrameHeader; bytes: string }> = [
  {
    name: 'Data with SYN opening stream 1 with 5 bytes',
    header: { type: FrameType.Data, flags: Flag.SYN, streamId: 1, length: 5 },
    bytes: '00' + '00' + '0001' + '00000001' + '00000005',
  },
  {
    name: 'Window Update with ACK on stream 2 granting 256 KiB',
    header: { type: FrameType.WindowUpdate, flags: Flag.ACK, streamId: 2, length: 262144 },
    bytes: '00' + '01' + '0002' + '00000002' + '00040000',
  },
  {
    name: 'Window Update with FIN on stream 3',
    header: { type: FrameType.WindowUpdate, flags: Flag.FIN, streamId: 3, length: 0 },
    bytes: '00' + '01' + '0004' + '00000003' + '00000000',
  },
  {
    name: 'Window Update with RST on stream 4',
    header: { type: FrameType.WindowUpdate, flags: Flag.RST, streamId: 4, length: 0 },
    bytes: '00' + '01' + '0008' + '00000004' + '00000000',
  },
  {
    name: 'Ping request (SYN) with opaque value 0x12345678',
    header: { type: FrameType.Ping, flags: Flag.SYN, streamId: 0, length: 0x12345678 },
    bytes: '00' + '02' + '0001' + '00000000' + '12345678',
  },
  {
    name: 'Ping answer (ACK)',
    header: { type: FrameType.Ping, flags: Flag.ACK, streamId: 0, length: 0x12345678 },
    bytes: '00' + '02' + '0002' + '00000000' + '12345678',
  },
  {
    name: 'GoAway with protocol error',
    header: { type: FrameType.GoAway, flags: 0, streamId: 0, length: GoAwayCode.ProtocolError },
    bytes: '00' + '03' + '0000' + '00000000' + '00000001',
  },
  {
    name: 'all flags, largest stream id and length',
    header: { type: FrameType.Data, flags: 0x000f, streamId: 0xffffffff, length: 0xffffffff },
    bytes: '00' + '00' + '000f' + 'ffffffff' + 'ffffffff',
  },
]

describe('frame header', () => {
  for (const vector of vectors) {
    it(`encodes and decodes: ${vector.name}`, () => {
      expect(hex(encodeFrameHeader(vector.header))).toBe(vector.bytes)
      expect(decodeHeader(Buffer.from(vector.bytes, 'hex'), 0)).toEqual(vector.header)
    })
  }

  it('decodes at an offset', () => {
    const bytes = Buffer.from('ffff' + vectors[0].bytes, 'hex')
    expect(decodeHeader(bytes, 2)).toEqual(vectors[0].header)
  })

  it('rejects a version other than 0', () => {
    const bytes = Buffer.from('01' + '00' + '0000' + '00000001' + '00000000', 'hex')
    expect(() => decodeHeader(bytes, 0)).toThrow(InvalidFrameError)
    expect(() => decodeHeader(bytes, 0)).toThrow(/version 0, got 1/)
  })

  it('rejects an unknown frame type', () => {
    const bytes = Buffer.from('00' + '04' + '0000' + '00000001' + '00000000', 'hex')
    expect(() => decodeHeader(bytes, 0)).toThrow(InvalidFrameError)
  })

  it('describes headers for logs', () => {
    expect(describeHeader({ type: FrameType.Data, flags: Flag.SYN | Flag.FIN, streamId: 3, length: 5 })).toBe(
      'Data(SYN|FIN) stream=3 length=5',
    )
  })
})
