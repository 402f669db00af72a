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
/** a register carries a signed peer record, which @weft/record bounds at 64 KiB */
export const DEFAULT_MAX_MESSAGE_SIZE = 80 * 1024
/** a discover response may carry up to 1 000 registrations of a few hundred bytes each */
export const DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024

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
