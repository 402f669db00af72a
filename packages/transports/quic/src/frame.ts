/**
 * QUIC frames (RFC 9000 §19) as plain objects, and which packet types may
 * carry them (§12.4, Table 3). Numbers are varints: exact to 2^53 - 1.
 */

export const FrameType = {
  PADDING: 0x00,
  PING: 0x01,
  ACK: 0x02,
  ACK_ECN: 0x03,
  RESET_STREAM: 0x04,
  STOP_SENDING: 0x05,
  CRYPTO: 0x06,
  NEW_TOKEN: 0x07,
  /** 0x08..0x0f: the low three bits are OFF, LEN and FIN */
  STREAM: 0x08,
  MAX_DATA: 0x10,
  MAX_STREAM_DATA: 0x11,
  MAX_STREAMS_BIDI: 0x12,
  MAX_STREAMS_UNI: 0x13,
  DATA_BLOCKED: 0x14,
  STREAM_DATA_BLOCKED: 0x15,
  STREAMS_BLOCKED_BIDI: 0x16,
  STREAMS_BLOCKED_UNI: 0x17,
  NEW_CONNECTION_ID: 0x18,
  RETIRE_CONNECTION_ID: 0x19,
  PATH_CHALLENGE: 0x1a,
  PATH_RESPONSE: 0x1b,
  CONNECTION_CLOSE: 0x1c,
  CONNECTION_CLOSE_APPLICATION: 0x1d,
  HANDSHAKE_DONE: 0x1e,
} as const

/** An acknowledged run of packet numbers, both ends included. */
export interface AckRange {
  smallest: number
  largest: number
}

export interface EcnCounts {
  ect0: number
  ect1: number
  ce: number
}

export type Frame =
  /** consecutive PADDING bytes decode as one frame */
  | { type: 'padding'; length: number }
  | { type: 'ping' }
  /** `ranges` descending and disjoint (gaps of at least one); `ackDelay` as sent, in 2^ack_delay_exponent µs */
  | { type: 'ack'; ackDelay: number; ranges: AckRange[]; ecn?: EcnCounts }
  | { type: 'reset-stream'; streamId: number; errorCode: number; finalSize: number }
  | { type: 'stop-sending'; streamId: number; errorCode: number }
  | { type: 'crypto'; offset: number; data: Uint8Array }
  | { type: 'new-token'; token: Uint8Array }
  | { type: 'stream'; streamId: number; offset: number; data: Uint8Array; fin: boolean }
  | { type: 'max-data'; maximum: number }
  | { type: 'max-stream-data'; streamId: number; maximum: number }
  | { type: 'max-streams'; bidirectional: boolean; maximum: number }
  | { type: 'data-blocked'; limit: number }
  | { type: 'stream-data-blocked'; streamId: number; limit: number }
  | { type: 'streams-blocked'; bidirectional: boolean; limit: number }
  | {
      type: 'new-connection-id'
      sequence: number
      retirePriorTo: number
      connectionId: Uint8Array
      statelessResetToken: Uint8Array
    }
  | { type: 'retire-connection-id'; sequence: number }
  | { type: 'path-challenge'; data: Uint8Array }
  | { type: 'path-response'; data: Uint8Array }
  /** `frameType` is present for a transport close (0x1c), absent for an application close (0x1d) */
  | { type: 'connection-close'; errorCode: number; frameType?: number; reason: Uint8Array }
  | { type: 'handshake-done' }

export type FrameName = Frame['type']

/** RFC 9000 §4.6, §19.11: stream counts above 2^60 cannot be expressed as stream IDs. */
export const MAX_STREAMS_LIMIT = 2 ** 60
/** RFC 9000 §19.8: an offset plus a length may not pass 2^62 - 1; numbers stop at 2^53 - 1 here. */
export const MAX_STREAM_OFFSET = Number.MAX_SAFE_INTEGER

export type PacketKind = 'initial' | 'zero-rtt' | 'handshake' | 'one-rtt'

/**
 * Whether `frame` may appear in a packet of `kind` (RFC 9000 §12.4, Table 3).
 * Initial and Handshake packets carry only PADDING, PING, ACK, CRYPTO and a
 * transport CONNECTION_CLOSE; 0-RTT carries no ACK, CRYPTO, HANDSHAKE_DONE,
 * NEW_TOKEN, PATH_RESPONSE or RETIRE_CONNECTION_ID.
 */
export function frameAllowedIn(frame: Frame, kind: PacketKind): boolean {
  switch (kind) {
    case 'one-rtt':
      return true
    case 'initial':
    case 'handshake':
      return (
        frame.type === 'padding' ||
        frame.type === 'ping' ||
        frame.type === 'ack' ||
        frame.type === 'crypto' ||
        (frame.type === 'connection-close' && frame.frameType !== undefined)
      )
    case 'zero-rtt':
      return !(
        frame.type === 'ack' ||
        frame.type === 'crypto' ||
        frame.type === 'handshake-done' ||
        frame.type === 'new-token' ||
        frame.type === 'path-response' ||
        frame.type === 'retire-connection-id'
      )
  }
}

/** Frames that make a packet ack-eliciting: all but ACK, PADDING and CONNECTION_CLOSE (RFC 9002 §2). */
export function isAckEliciting(frame: Frame): boolean {
  return frame.type !== 'ack' && frame.type !== 'padding' && frame.type !== 'connection-close'
}
