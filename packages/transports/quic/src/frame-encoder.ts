/**
 * Frame encoding (RFC 9000 §19). Encoders throw RangeError/TypeError for
 * frames no peer could accept (a bad ACK range list, a connection ID of 21
 * bytes): those are bugs of the caller, not of the network.
 */
import { ByteWriter } from './byte-writer.js'
import { type Frame, FrameType, MAX_STREAMS_LIMIT } from './frame.js'

export interface EncodeOptions {
  /**
   * For a STREAM frame that ends the packet: leave out the Length field (the
   * LEN bit clear), the data runs to the end of the packet.
   */
  lastInPacket?: boolean
}

/** Appends `frame` to `writer`. */
export function encodeFrame(writer: ByteWriter, frame: Frame, options: EncodeOptions = {}): void {
  switch (frame.type) {
    case 'padding':
      for (let i = 0; i < frame.length; i++) writer.uint8(0)
      return
    case 'ping':
      writer.uint8(FrameType.PING)
      return
    case 'ack':
      encodeAck(writer, frame)
      return
    case 'reset-stream':
      writer
        .uint8(FrameType.RESET_STREAM)
        .varint(frame.streamId)
        .varint(frame.errorCode)
        .varint(frame.finalSize)
      return
    case 'stop-sending':
      writer.uint8(FrameType.STOP_SENDING).varint(frame.streamId).varint(frame.errorCode)
      return
    case 'crypto':
      writer.uint8(FrameType.CRYPTO).varint(frame.offset).varint(frame.data.length).bytes(frame.data)
      return
    case 'new-token':
      if (frame.token.length === 0) throw new RangeError('a NEW_TOKEN token cannot be empty')
      writer.uint8(FrameType.NEW_TOKEN).varint(frame.token.length).bytes(frame.token)
      return
    case 'stream': {
      const hasOffset = frame.offset > 0
      const hasLength = options.lastInPacket !== true
      writer.uint8(
        FrameType.STREAM | (hasOffset ? 0x04 : 0) | (hasLength ? 0x02 : 0) | (frame.fin ? 0x01 : 0),
      )
      writer.varint(frame.streamId)
      if (hasOffset) writer.varint(frame.offset)
      if (hasLength) writer.varint(frame.data.length)
      writer.bytes(frame.data)
      return
    }
    case 'max-data':
      writer.uint8(FrameType.MAX_DATA).varint(frame.maximum)
      return
    case 'max-stream-data':
      writer.uint8(FrameType.MAX_STREAM_DATA).varint(frame.streamId).varint(frame.maximum)
      return
    case 'max-streams':
      if (frame.maximum > MAX_STREAMS_LIMIT) throw new RangeError('MAX_STREAMS above 2^60')
      writer
        .uint8(frame.bidirectional ? FrameType.MAX_STREAMS_BIDI : FrameType.MAX_STREAMS_UNI)
        .varint(frame.maximum)
      return
    case 'data-blocked':
      writer.uint8(FrameType.DATA_BLOCKED).varint(frame.limit)
      return
    case 'stream-data-blocked':
      writer.uint8(FrameType.STREAM_DATA_BLOCKED).varint(frame.streamId).varint(frame.limit)
      return
    case 'streams-blocked':
      if (frame.limit > MAX_STREAMS_LIMIT) throw new RangeError('STREAMS_BLOCKED above 2^60')
      writer
        .uint8(frame.bidirectional ? FrameType.STREAMS_BLOCKED_BIDI : FrameType.STREAMS_BLOCKED_UNI)
        .varint(frame.limit)
      return
    case 'new-connection-id':
      if (frame.connectionId.length < 1 || frame.connectionId.length > 20) {
        throw new RangeError(
          `a NEW_CONNECTION_ID connection ID is 1..20 bytes, got ${frame.connectionId.length}`,
        )
      }
      if (frame.statelessResetToken.length !== 16) throw new RangeError('a stateless reset token is 16 bytes')
      if (frame.retirePriorTo > frame.sequence)
        throw new RangeError('retire prior to exceeds the sequence number')
      writer.uint8(FrameType.NEW_CONNECTION_ID).varint(frame.sequence).varint(frame.retirePriorTo)
      writer.uint8(frame.connectionId.length).bytes(frame.connectionId).bytes(frame.statelessResetToken)
      return
    case 'retire-connection-id':
      writer.uint8(FrameType.RETIRE_CONNECTION_ID).varint(frame.sequence)
      return
    case 'path-challenge':
    case 'path-response':
      if (frame.data.length !== 8) throw new RangeError(`${frame.type} data is 8 bytes`)
      writer
        .uint8(frame.type === 'path-challenge' ? FrameType.PATH_CHALLENGE : FrameType.PATH_RESPONSE)
        .bytes(frame.data)
      return
    case 'connection-close':
      if (frame.frameType === undefined) {
        writer.uint8(FrameType.CONNECTION_CLOSE_APPLICATION).varint(frame.errorCode)
      } else {
        writer.uint8(FrameType.CONNECTION_CLOSE).varint(frame.errorCode).varint(frame.frameType)
      }
      writer.varint(frame.reason.length).bytes(frame.reason)
      return
    case 'handshake-done':
      writer.uint8(FrameType.HANDSHAKE_DONE)
      return
  }
}

/** A packet payload holding `frames`; a STREAM frame at the end omits its length. */
export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  const writer = new ByteWriter()
  frames.forEach((frame, index) => {
    encodeFrame(writer, frame, { lastInPacket: index === frames.length - 1 })
  })
  return writer.finish()
}

function encodeAck(writer: ByteWriter, frame: Extract<Frame, { type: 'ack' }>): void {
  const [first, ...rest] = frame.ranges
  if (first == null) throw new RangeError('an ACK frame needs at least one range')
  if (first.smallest < 0 || first.smallest > first.largest) throw new RangeError('a bad first ACK range')
  writer.uint8(frame.ecn == null ? FrameType.ACK : FrameType.ACK_ECN)
  writer
    .varint(first.largest)
    .varint(frame.ackDelay)
    .varint(rest.length)
    .varint(first.largest - first.smallest)
  let previousSmallest = first.smallest
  for (const range of rest) {
    if (range.smallest < 0 || range.smallest > range.largest || range.largest > previousSmallest - 2) {
      throw new RangeError('ACK ranges must descend with gaps of at least one packet')
    }
    writer.varint(previousSmallest - range.largest - 2).varint(range.largest - range.smallest)
    previousSmallest = range.smallest
  }
  if (frame.ecn != null) writer.varint(frame.ecn.ect0).varint(frame.ecn.ect1).varint(frame.ecn.ce)
}
