/** Length-prefixed AutoNAT messages (autonat-v1.md "RPC messages"), bounded by `MAX_MESSAGE_SIZE`. */
import { type AbortOptions, InvalidMessageError, type MessageStream } from '@libp2p/interface'
import { encodeLengthPrefixed, type StreamReader, sendAll } from '@weft/utils'
import { Message } from './autonat.pb.js'

export const PROTOCOL = '/libp2p/autonat/1.0.0'
/** a dial request carries at most 64 addresses (the .proto's limit) */
export const MAX_MESSAGE_SIZE = 8192

export async function readMessage(reader: StreamReader, options?: AbortOptions): Promise<Message> {
  const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, options)
  try {
    return Message.decode(bytes)
  } catch (err) {
    throw new InvalidMessageError(`malformed AutoNAT message: ${(err as Error).message}`)
  }
}

export async function writeMessage(
  stream: MessageStream,
  message: Message,
  options?: AbortOptions,
): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(Message.encode(message)), options)
}
