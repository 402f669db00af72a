/**
 * The yamux frame header (hashicorp/yamux spec.md "Framing"; libp2p/specs
 * yamux/README.md): 12 bytes, big endian.
 *
 * ```
 * | version u8 | type u8 | flags u16 | stream id u32 | length u32 |
 * ```
 *
 * `length` is the payload size of a Data frame, the window delta of a Window
 * Update, the opaque value of a Ping and the error code of a GoAway.
 */
import { InvalidFrameError } from './errors.js'

export const HEADER_LENGTH = 12
export const PROTOCOL_VERSION = 0

/** spec "Type Field" */
export const FrameType = {
  Data: 0,
  WindowUpdate: 1,
  Ping: 2,
  GoAway: 3,
} as const
export type FrameType = (typeof FrameType)[keyof typeof FrameType]

/** spec "Flag Field" */
export const Flag = {
  SYN: 0x1,
  ACK: 0x2,
  FIN: 0x4,
  RST: 0x8,
} as const

/** spec "Session termination" */
export const GoAwayCode = {
  Normal: 0,
  ProtocolError: 1,
  InternalError: 2,
} as const

/** spec "Flow Control": every stream starts with this window in both directions. */
export const INITIAL_STREAM_WINDOW = 256 * 1024
export const MAX_UINT32 = 0xffffffff

export interface FrameHeader {
  type: FrameType
  flags: number
  streamId: number
  length: number
}

/** Writes a header at `offset` of `target` (which must have 12 bytes there). */
export function encodeHeader(
  target: Uint8Array,
  offset: number,
  type: FrameType,
  flags: number,
  streamId: number,
  length: number,
): void {
  target[offset] = PROTOCOL_VERSION
  target[offset + 1] = type
  target[offset + 2] = flags >>> 8
  target[offset + 3] = flags & 0xff
  target[offset + 4] = streamId >>> 24
  target[offset + 5] = (streamId >>> 16) & 0xff
  target[offset + 6] = (streamId >>> 8) & 0xff
  target[offset + 7] = streamId & 0xff
  target[offset + 8] = length >>> 24
  target[offset + 9] = (length >>> 16) & 0xff
  target[offset + 10] = (length >>> 8) & 0xff
  target[offset + 11] = length & 0xff
}

/** One header as a fresh 12-byte array (tests and one-off frames). */
export function encodeFrameHeader(header: FrameHeader): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH)
  encodeHeader(out, 0, header.type, header.flags, header.streamId, header.length)
  return out
}

/** Reads the header at `offset`; throws InvalidFrameError for an unknown version or type. */
export function decodeHeader(source: Uint8Array, offset: number): FrameHeader {
  const version = source[offset]
  if (version !== PROTOCOL_VERSION) {
    throw new InvalidFrameError(`expected yamux version ${PROTOCOL_VERSION}, got ${version}`)
  }
  const type = source[offset + 1]
  if (type > FrameType.GoAway) {
    throw new InvalidFrameError(`expected a frame type from 0 to 3, got ${type}`)
  }
  return {
    type: type as FrameType,
    flags: (source[offset + 2] << 8) | source[offset + 3],
    streamId: readUint32(source, offset + 4),
    length: readUint32(source, offset + 8),
  }
}

function readUint32(source: Uint8Array, offset: number): number {
  return (
    source[offset] * 0x1000000 + ((source[offset + 1] << 16) | (source[offset + 2] << 8) | source[offset + 3])
  )
}

/** For logs: `Data(SYN|FIN) stream=3 length=5`. */
export function describeHeader(header: FrameHeader): string {
  const names = ['Data', 'WindowUpdate', 'Ping', 'GoAway']
  const flags: string[] = []
  if ((header.flags & Flag.SYN) !== 0) flags.push('SYN')
  if ((header.flags & Flag.ACK) !== 0) flags.push('ACK')
  if ((header.flags & Flag.FIN) !== 0) flags.push('FIN')
  if ((header.flags & Flag.RST) !== 0) flags.push('RST')
  return `${names[header.type]}(${flags.join('|')}) stream=${header.streamId} length=${header.length}`
}
