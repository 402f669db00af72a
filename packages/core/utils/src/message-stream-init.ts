/**
 * What an `AbstractMessageStream` is built with, and what its subclasses'
 * `sendData` returns (message-stream.ts).
 */
import type { Logger, MessageStreamDirection } from '@libp2p/interface'

export const DEFAULT_MAX_READ_BUFFER_LENGTH = 4 * 1024 * 1024

export interface MessageStreamInit {
  log: Logger
  direction?: MessageStreamDirection
  /** milliseconds without traffic before the owner may close the stream */
  inactivityTimeout?: number
  maxReadBufferLength?: number
  maxWriteBufferLength?: number
  /** largest chunk handed to `sendData` at once */
  maxMessageSize?: number
}

/** What `sendData` managed to hand to the layer below. */
export interface SendResult {
  sentBytes: number
  /** false when the layer below is full; the subclass calls `onDrained()` later */
  canSendMore: boolean
}
