/**
 * mplex frames (libp2p/specs mplex/README.md, "Message format"):
 *
 *     | header  | length  | data           |
 *     | uvarint | uvarint | 'length' bytes |
 *
 * with `header = (stream id << 3) | flag`. Stream ids live in two namespaces:
 * a stream is named by the id its initiator allocated, and every frame's flag
 * says whether the sender is that stream's initiator or receiver.
 */

/** Frame flags ("Flag Values" in the spec). */
export const MessageType = {
  NewStream: 0,
  MessageReceiver: 1,
  MessageInitiator: 2,
  CloseReceiver: 3,
  CloseInitiator: 4,
  ResetReceiver: 5,
  ResetInitiator: 6,
} as const

export type MessageType = (typeof MessageType)[keyof typeof MessageType]

/** The largest flag value the spec defines. */
export const MAX_MESSAGE_TYPE = 6

/** The largest frame body the spec's reference implementations accept (1 MiB). */
export const SPEC_MAX_MESSAGE_SIZE = 1024 * 1024

/** The largest stream id we allocate or accept: `id << 3` must stay a safe integer. */
export const MAX_STREAM_ID = Math.floor(Number.MAX_SAFE_INTEGER / 8)

/** A header varint is at most 8 bytes (53 bits) and a length varint at most 4 (we never accept > 2^28). */
export const MAX_HEADER_BYTES = 12

/** Whether a frame with this flag was sent by the stream's initiator. */
export function isFromInitiator(type: MessageType): boolean {
  return (
    type === MessageType.MessageInitiator ||
    type === MessageType.CloseInitiator ||
    type === MessageType.ResetInitiator
  )
}

/** The data flag to use when we are (or are not) the stream's initiator. */
export function messageType(initiator: boolean): MessageType {
  return initiator ? MessageType.MessageInitiator : MessageType.MessageReceiver
}

export function closeType(initiator: boolean): MessageType {
  return initiator ? MessageType.CloseInitiator : MessageType.CloseReceiver
}

export function resetType(initiator: boolean): MessageType {
  return initiator ? MessageType.ResetInitiator : MessageType.ResetReceiver
}

/** Writes an unsigned varint (a safe, non-negative integer) at `position`; returns the end position. */
export function writeVarint(target: Uint8Array, position: number, value: number): number {
  if (value < 0x80000000) {
    while (value >= 0x80) {
      target[position++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
  } else {
    while (value >= 0x80) {
      target[position++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
  }
  target[position++] = value
  return position
}

/** Writes the header and length prefix of a frame at `position`; returns the end position. */
export function writeFrameHeader(
  target: Uint8Array,
  position: number,
  id: number,
  type: MessageType,
  length: number,
): number {
  if (!Number.isSafeInteger(id) || id < 0 || id > MAX_STREAM_ID) {
    throw new RangeError(`stream id must be an integer from 0 to ${MAX_STREAM_ID}, got ${id}`)
  }
  return writeVarint(target, writeVarint(target, position, id * 8 + type), length)
}

/** Encodes one whole frame into a new array (tests and one-off frames). */
export function encodeFrame(id: number, type: MessageType, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(MAX_HEADER_BYTES + data.byteLength)
  const position = writeFrameHeader(out, 0, id, type, data.byteLength)
  out.set(data, position)
  return out.subarray(0, position + data.byteLength)
}
