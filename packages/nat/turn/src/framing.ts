/**
 * ChannelData (RFC 8656 §12.4) and the framing of a TURN byte stream (§12.5):
 * the first two bits tell a STUN message (00) from ChannelData (01). Over TCP
 * ChannelData is padded to four bytes; over UDP it need not be. `StreamFramer`
 * cuts a stream into frames and holds at most one frame's worth of bytes.
 */
import { MAX_MESSAGE_LENGTH, messageLengthFromHeader } from '@weft/stun'
import { MalformedFrameError } from './errors.js'

/** Channel numbers a client may bind (RFC 8656 §12). */
export const MIN_CHANNEL = 0x4000
export const MAX_CHANNEL = 0x4fff
const CHANNEL_HEADER = 4

export interface ChannelData {
  channel: number
  data: Uint8Array
}

export function isChannelData(bytes: Uint8Array): boolean {
  return bytes.length >= CHANNEL_HEADER && (bytes[0]! & 0xc0) === 0x40
}

/** One ChannelData message; `pad` to four bytes (TCP). */
export function encodeChannelData(channel: number, data: Uint8Array, pad: boolean): Uint8Array {
  if (!Number.isInteger(channel) || channel < MIN_CHANNEL || channel > MAX_CHANNEL)
    throw new RangeError(`channel 0x${channel.toString(16)} is not in 0x4000..0x4fff`)
  if (data.length > 0xffff) throw new RangeError(`ChannelData of ${data.length} bytes, at most 65535`)
  const length = CHANNEL_HEADER + (pad ? (data.length + 3) & ~3 : data.length)
  const out = new Uint8Array(length)
  out[0] = channel >> 8
  out[1] = channel & 0xff
  out[2] = data.length >> 8
  out[3] = data.length & 0xff
  out.set(data, CHANNEL_HEADER)
  return out
}

/** Reads one ChannelData message (a UDP datagram or a framed TCP frame); padding is allowed. */
export function decodeChannelData(bytes: Uint8Array): ChannelData {
  if (!isChannelData(bytes)) throw new MalformedFrameError('not a ChannelData message')
  const channel = (bytes[0]! << 8) | bytes[1]!
  const length = (bytes[2]! << 8) | bytes[3]!
  if (channel > MAX_CHANNEL)
    throw new MalformedFrameError(`channel 0x${channel.toString(16)} is reserved (RFC 8656 §12)`)
  if (CHANNEL_HEADER + length > bytes.length || bytes.length - CHANNEL_HEADER - length > 3)
    throw new MalformedFrameError(`ChannelData says ${length} bytes, the frame holds ${bytes.length - 4}`)
  return { channel, data: bytes.subarray(CHANNEL_HEADER, CHANNEL_HEADER + length) }
}

/** The length of the frame whose first four bytes are `header`, as it travels on a stream. */
export function streamFrameLength(header: Uint8Array): number {
  if ((header[0]! & 0xc0) === 0x40) return CHANNEL_HEADER + ((((header[2]! << 8) | header[3]!) + 3) & ~3)
  try {
    return messageLengthFromHeader(header)
  } catch (err) {
    throw new MalformedFrameError(`a frame that is neither STUN nor ChannelData: ${(err as Error).message}`)
  }
}

/** Cuts a TURN-over-TCP byte stream into frames; holds less than one largest frame. */
export class StreamFramer {
  private buffered: Uint8Array = new Uint8Array(0)

  /** The complete frames `chunk` finishes; `MalformedFrameError` ends the stream (its framing is lost). */
  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.buffered.length + chunk.length)
    joined.set(this.buffered)
    joined.set(chunk, this.buffered.length)
    const frames: Uint8Array[] = []
    let offset = 0
    while (joined.length - offset >= CHANNEL_HEADER) {
      const length = streamFrameLength(joined.subarray(offset, offset + CHANNEL_HEADER))
      if (length < CHANNEL_HEADER || length > MAX_MESSAGE_LENGTH)
        throw new MalformedFrameError(`a frame of ${length} bytes`)
      if (joined.length - offset < length) break
      frames.push(joined.slice(offset, offset + length))
      offset += length
    }
    this.buffered = joined.slice(offset)
    return frames
  }

  /** Bytes received after the last whole frame (handed on when the stream stops being TURN). */
  take(): Uint8Array {
    const rest = this.buffered
    this.buffered = new Uint8Array(0)
    return rest
  }
}
