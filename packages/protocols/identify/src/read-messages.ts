/**
 * Reading Identify messages off a stream: varint-length-prefixed messages
 * until the sender closes its end (libp2p/specs identify/README.md: the peer
 * "responds by returning an Identify message and closes the stream").
 * go-libp2p may split one response into two messages; they are merged.
 */
import type { AbortOptions, MessageStream } from '@libp2p/interface'
import { LengthPrefixedDecoder, StreamReader, UnexpectedEOFError } from '@weft/utils'
import { TooManyMessagesError } from './errors.js'
import { type DecodeLimits, decodeIdentify, type IdentifyMessage, mergeIdentify } from './message.js'

/** Messages one stream may carry (go-libp2p sends at most two). */
export const MAX_MESSAGES_PER_STREAM = 4

export interface ReadOptions extends AbortOptions, DecodeLimits {
  /** bytes one message may hold */
  maxMessageSize: number
}

/** Reads every message until the remote closes its writable end, and merges them. */
export async function readIdentify(stream: MessageStream, options: ReadOptions): Promise<IdentifyMessage> {
  const reader = new StreamReader(stream, { maxBufferLength: options.maxMessageSize * 2 })
  const decoder = new LengthPrefixedDecoder(options.maxMessageSize)
  const messages: IdentifyMessage[] = []
  try {
    while (true) {
      const chunk = await reader.read(options)
      if (chunk === undefined) break
      decoder.push(chunk)
      for (const bytes of decoder.messages()) {
        if (messages.length === MAX_MESSAGES_PER_STREAM)
          throw new TooManyMessagesError(MAX_MESSAGES_PER_STREAM)
        messages.push(decodeIdentify(bytes.subarray(), options))
      }
    }
  } finally {
    reader.release()
  }
  if (decoder.bufferedBytes > 0 || messages.length === 0) {
    // the stream ended inside a message, or before any
    throw new UnexpectedEOFError(decoder.bufferedBytes + 1, decoder.bufferedBytes)
  }
  return mergeIdentify(messages, options)
}
