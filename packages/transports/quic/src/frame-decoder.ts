/**
 * Frame decoding (RFC 9000 §19). Total: each call returns frames or throws
 * FrameEncodingError (malformed, unknown type: §12.4) or
 * ProtocolViolationError (a frame the packet type may not carry, an empty
 * payload: §12.4). Byte fields are views into the payload: copy what is kept.
 */
import { ByteReader } from './byte-reader.js'
import { FrameEncodingError, ProtocolViolationError } from './errors.js'
import {
  type AckRange,
  type Frame,
  FrameType,
  frameAllowedIn,
  MAX_STREAM_OFFSET,
  MAX_STREAMS_LIMIT,
  type PacketKind,
} from './frame.js'

function encodingError(message: string): Error {
  return new FrameEncodingError(message)
}

/** Every frame of a decrypted packet payload, checked against the packet kind. */
export function decodeFrames(payload: Uint8Array, kind: PacketKind = 'one-rtt'): Frame[] {
  if (payload.length === 0) throw new ProtocolViolationError('a packet with no frames')
  const reader = new ByteReader(payload, encodingError)
  const frames: Frame[] = []
  while (!reader.done) {
    const frame = decodeFrame(reader)
    if (!frameAllowedIn(frame, kind)) {
      throw new ProtocolViolationError(`a ${frame.type} frame is not allowed in a ${kind} packet`)
    }
    frames.push(frame)
  }
  return frames
}

/** Reads one frame at the reader's offset. */
export function decodeFrame(reader: ByteReader): Frame {
  const start = reader.offset
  const type = reader.varint('the frame type')
  // RFC 9000 §12.4: frame types use the shortest encoding; all of ours fit in one byte
  if (reader.offset - start !== 1)
    reader.fail(`frame type 0x${type.toString(16)} in a ${reader.offset - start}-byte varint`)
  switch (type) {
    case FrameType.PADDING: {
      let length = 1
      while (!reader.done && reader.bytes[reader.offset] === 0) {
        reader.offset++
        length++
      }
      return { type: 'padding', length }
    }
    case FrameType.PING:
      return { type: 'ping' }
    case FrameType.ACK:
    case FrameType.ACK_ECN:
      return decodeAck(reader, type === FrameType.ACK_ECN)
    case FrameType.RESET_STREAM:
      return {
        type: 'reset-stream',
        streamId: reader.varint('the stream ID'),
        errorCode: reader.varint('the error code'),
        finalSize: reader.varint('the final size'),
      }
    case FrameType.STOP_SENDING:
      return {
        type: 'stop-sending',
        streamId: reader.varint('the stream ID'),
        errorCode: reader.varint('the error code'),
      }
    case FrameType.CRYPTO: {
      const offset = reader.varint('the crypto offset')
      const length = reader.varint('the crypto length')
      if (offset + length > MAX_STREAM_OFFSET) reader.fail('crypto data past the largest offset')
      return { type: 'crypto', offset, data: reader.bytesView(length, 'the crypto data') }
    }
    case FrameType.NEW_TOKEN: {
      const length = reader.varint('the token length')
      if (length === 0) reader.fail('an empty NEW_TOKEN token')
      return { type: 'new-token', token: reader.bytesView(length, 'the token') }
    }
    case FrameType.MAX_DATA:
      return { type: 'max-data', maximum: reader.varint('the maximum data') }
    case FrameType.MAX_STREAM_DATA:
      return {
        type: 'max-stream-data',
        streamId: reader.varint('the stream ID'),
        maximum: reader.varint('the maximum stream data'),
      }
    case FrameType.MAX_STREAMS_BIDI:
    case FrameType.MAX_STREAMS_UNI: {
      const maximum = reader.varint('the maximum streams')
      if (maximum > MAX_STREAMS_LIMIT) reader.fail(`MAX_STREAMS of ${maximum} exceeds 2^60`)
      return { type: 'max-streams', bidirectional: type === FrameType.MAX_STREAMS_BIDI, maximum }
    }
    case FrameType.DATA_BLOCKED:
      return { type: 'data-blocked', limit: reader.varint('the data limit') }
    case FrameType.STREAM_DATA_BLOCKED:
      return {
        type: 'stream-data-blocked',
        streamId: reader.varint('the stream ID'),
        limit: reader.varint('the stream data limit'),
      }
    case FrameType.STREAMS_BLOCKED_BIDI:
    case FrameType.STREAMS_BLOCKED_UNI: {
      const limit = reader.varint('the stream limit')
      if (limit > MAX_STREAMS_LIMIT) reader.fail(`STREAMS_BLOCKED of ${limit} exceeds 2^60`)
      return { type: 'streams-blocked', bidirectional: type === FrameType.STREAMS_BLOCKED_BIDI, limit }
    }
    case FrameType.NEW_CONNECTION_ID: {
      const sequence = reader.varint('the sequence number')
      const retirePriorTo = reader.varint('retire prior to')
      if (retirePriorTo > sequence)
        reader.fail(`retire prior to ${retirePriorTo} exceeds the sequence ${sequence}`)
      const length = reader.uint8('the connection ID length')
      if (length < 1 || length > 20) reader.fail(`a NEW_CONNECTION_ID of ${length} bytes (1..20)`)
      return {
        type: 'new-connection-id',
        sequence,
        retirePriorTo,
        connectionId: reader.bytesView(length, 'the connection ID'),
        statelessResetToken: reader.bytesView(16, 'the stateless reset token'),
      }
    }
    case FrameType.RETIRE_CONNECTION_ID:
      return { type: 'retire-connection-id', sequence: reader.varint('the sequence number') }
    case FrameType.PATH_CHALLENGE:
      return { type: 'path-challenge', data: reader.bytesView(8, 'the challenge data') }
    case FrameType.PATH_RESPONSE:
      return { type: 'path-response', data: reader.bytesView(8, 'the response data') }
    case FrameType.CONNECTION_CLOSE:
    case FrameType.CONNECTION_CLOSE_APPLICATION: {
      const errorCode = reader.varint('the error code')
      const frameType = type === FrameType.CONNECTION_CLOSE ? reader.varint('the frame type') : undefined
      const reason = reader.bytesView(reader.varint('the reason length'), 'the reason phrase')
      return frameType === undefined
        ? { type: 'connection-close', errorCode, reason }
        : { type: 'connection-close', errorCode, frameType, reason }
    }
    case FrameType.HANDSHAKE_DONE:
      return { type: 'handshake-done' }
    default:
      if (type >= FrameType.STREAM && type <= FrameType.STREAM + 7) return decodeStream(reader, type)
      return reader.fail(`unknown frame type 0x${type.toString(16)}`)
  }
}

function decodeStream(reader: ByteReader, type: number): Frame {
  const streamId = reader.varint('the stream ID')
  const offset = (type & 0x04) !== 0 ? reader.varint('the stream offset') : 0
  const length = (type & 0x02) !== 0 ? reader.varint('the stream data length') : reader.remaining
  if (offset + length > MAX_STREAM_OFFSET) reader.fail('stream data past the largest offset')
  const data = reader.bytesView(length, 'the stream data')
  return { type: 'stream', streamId, offset, data, fin: (type & 0x01) !== 0 }
}

function decodeAck(reader: ByteReader, ecn: boolean): Frame {
  const largest = reader.varint('the largest acknowledged')
  const ackDelay = reader.varint('the ACK delay')
  const count = reader.varint('the ACK range count')
  // every further range takes at least two bytes: refuse before looping
  if (count > reader.remaining / 2) reader.fail(`${count} ACK ranges cannot fit in ${reader.remaining} bytes`)
  const firstRange = reader.varint('the first ACK range')
  let smallest = largest - firstRange
  if (smallest < 0)
    reader.fail(`the first ACK range ${firstRange} exceeds the largest acknowledged ${largest}`)
  const ranges: AckRange[] = [{ smallest, largest }]
  for (let i = 0; i < count; i++) {
    const gap = reader.varint('an ACK gap')
    const length = reader.varint('an ACK range length')
    const nextLargest = smallest - gap - 2
    smallest = nextLargest - length
    if (smallest < 0) reader.fail('an ACK range below packet number 0')
    ranges.push({ smallest, largest: nextLargest })
  }
  if (!ecn) return { type: 'ack', ackDelay, ranges }
  const counts = {
    ect0: reader.varint('the ECT(0) count'),
    ect1: reader.varint('the ECT(1) count'),
    ce: reader.varint('the ECN-CE count'),
  }
  return { type: 'ack', ackDelay, ranges, ecn: counts }
}
