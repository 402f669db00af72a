/**
 * Framing of /rendezvous/1.0.0 (libp2p/specs rendezvous/README.md,
 * "Protobuf"): each `Message` is sent with an unsigned-varint length prefix,
 * as go-libp2p and rust-libp2p do. Decoding is bounded by `maxMessageSize`
 * and by the number of registrations a response may carry.
 */
import type { AbortOptions, MessageStream } from '@libp2p/interface'
import { InvalidMessageError } from '@libp2p/interface'
import { encodeLengthPrefixed, MessageTooLargeError, type StreamReader, sendAll } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { Message } from './rendezvous.pb.js'

export const PROTOCOL = '/rendezvous/1.0.0'
/**
 * A request carries at most a signed peer record, a namespace and a few small
 * fields: the server reads `maxRecordSize` plus this much by default.
 */
export const REQUEST_OVERHEAD = 1024
/**
 * Bytes of one answer a weft client accepts: a DISCOVER_RESPONSE carries at
 * most 1 000 registrations (MAX_DISCOVERED) and the server keeps its answers
 * under this size.
 */
export const DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024
/** the registrations a DISCOVER_RESPONSE may carry (the .proto's limit, the spec's recommendation) */
export const MAX_DISCOVERED = 1000
/**
 * Upper bound of a DISCOVER_RESPONSE's bytes beyond its registrations and the
 * namespace in its cookie: length prefix, type, field tags and lengths, the
 * cookie's version and sequence, the status and a short status text.
 */
export const RESPONSE_OVERHEAD = 256

export async function readMessage(
  reader: StreamReader,
  maxSize: number,
  maxRegistrations: number,
  options?: AbortOptions,
): Promise<Message> {
  let bytes: Uint8ArrayList
  try {
    bytes = await reader.readLengthPrefixed(maxSize, options)
  } catch (err) {
    if (err instanceof MessageTooLargeError) {
      throw new InvalidMessageError(`rendezvous message of ${err.size} bytes exceeds the limit of ${maxSize}`)
    }
    throw err
  }
  try {
    return Message.decode(bytes, { limits: { discoverResponse: { registrations: maxRegistrations } } })
  } catch (err) {
    throw new InvalidMessageError(`malformed rendezvous message: ${(err as Error).message}`)
  }
}

export async function writeMessage(
  stream: MessageStream,
  message: Message,
  options?: AbortOptions,
): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(Message.encode(message)), options)
}

/** A protobuf uint64 (bigint) as a number, saturating at `max`. */
export function toNumber(value: bigint | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value == null) return undefined
  return value > BigInt(max) ? max : Number(value)
}

/**
 * Resolves once the event loop has run pending I/O (setImmediate where there
 * is one): a loop over many costly items awaits it so as not to hold the
 * event loop for all of them.
 */
export async function nextTurn(): Promise<void> {
  await new Promise<void>((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve)
    else setTimeout(resolve, 0)
  })
}
