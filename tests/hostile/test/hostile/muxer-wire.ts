/**
 * Raw muxer frames for the hostile client, written by hand so they can be
 * wrong on purpose, and a yamux frame reader to see what the host answers.
 *
 * yamux (hashicorp/yamux spec.md "Framing"): a 12-byte big-endian header
 * `version u8 | type u8 | flags u16 | stream id u32 | length u32`, then
 * `length` payload bytes for a Data frame.
 * mplex (libp2p/specs mplex/README.md "Message format"): uvarint
 * `(stream id << 3) | flag`, uvarint length, then the body.
 */
import { encodeVarint } from '@weft/utils'
import { Flag, FrameType } from '@weft/yamux'
import { Uint8ArrayList } from 'uint8arraylist'

export { Flag, FrameType, GoAwayCode } from '@weft/yamux'

export interface YamuxHeader {
  version: number
  type: number
  flags: number
  streamId: number
  length: number
}

export function yamuxFrame(
  header: Partial<YamuxHeader> & Pick<YamuxHeader, 'type' | 'streamId'>,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(12 + payload.byteLength)
  const view = new DataView(out.buffer)
  view.setUint8(0, header.version ?? 0)
  view.setUint8(1, header.type)
  view.setUint16(2, header.flags ?? 0)
  view.setUint32(4, header.streamId)
  view.setUint32(8, header.length ?? payload.byteLength)
  out.set(payload, 12)
  return out
}

/** A Data frame that opens stream `streamId` and carries `payload`. */
export function yamuxOpenWithData(streamId: number, payload: Uint8Array): Uint8Array {
  return yamuxFrame({ type: FrameType.Data, flags: Flag.SYN, streamId }, payload)
}

/** Every frame the host sent, headers only (Data payloads are skipped). */
export class YamuxFrameLog {
  readonly frames: YamuxHeader[] = []
  private readonly buffer = new Uint8ArrayList()
  private skip = 0

  push(chunk: Uint8Array): void {
    let data = chunk
    if (this.skip > 0) {
      const skipped = Math.min(this.skip, data.byteLength)
      this.skip -= skipped
      data = data.subarray(skipped)
    }
    this.buffer.append(data)
    while (this.skip === 0 && this.buffer.byteLength >= 12) {
      const header: YamuxHeader = {
        version: this.buffer.getUint8(0),
        type: this.buffer.getUint8(1),
        flags: this.buffer.getUint16(2),
        streamId: this.buffer.getUint32(4),
        length: this.buffer.getUint32(8),
      }
      this.buffer.consume(12)
      this.frames.push(header)
      if (header.type === FrameType.Data && header.length > 0) {
        const skipped = Math.min(header.length, this.buffer.byteLength)
        this.buffer.consume(skipped)
        this.skip = header.length - skipped
      }
    }
  }

  /** Stream ids the host reset (RST on any frame). */
  resets(): number[] {
    return this.frames.filter((frame) => (frame.flags & Flag.RST) !== 0).map((frame) => frame.streamId)
  }

  /** Error codes of the host's GoAway frames. */
  goAways(): number[] {
    return this.frames.filter((frame) => frame.type === FrameType.GoAway).map((frame) => frame.length)
  }
}

/** mplex flags ("Flag Values"). */
export const MplexType = {
  NewStream: 0,
  MessageReceiver: 1,
  MessageInitiator: 2,
  CloseReceiver: 3,
  CloseInitiator: 4,
  ResetReceiver: 5,
  ResetInitiator: 6,
} as const

/** One mplex frame; `announcedLength` lets the header lie about the body. */
export function mplexFrame(
  streamId: number,
  type: number,
  body: Uint8Array = new Uint8Array(0),
  announcedLength = body.byteLength,
): Uint8Array {
  const header = encodeVarint(streamId * 8 + type)
  const length = encodeVarint(announcedLength)
  const out = new Uint8Array(header.byteLength + length.byteLength + body.byteLength)
  out.set(header)
  out.set(length, header.byteLength)
  out.set(body, header.byteLength + length.byteLength)
  return out
}

/** Concatenates many frames into one write. */
export function concat(parts: Uint8Array[]): Uint8Array {
  let total = 0
  for (const part of parts) total += part.byteLength
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}
