/** Length-prefixed HolePunch messages (relay/DCUtR.md "RPC messages"), at most 4 KiB. */
import { type AbortOptions, InvalidMessageError, type MessageStream } from '@libp2p/interface'
import { encodeLengthPrefixed, type StreamReader, sendAll } from '@weft/utils'
import { UnexpectedHolePunchMessageError } from './errors.js'
import { HolePunch } from './holepunch.pb.js'

export const PROTOCOL = '/libp2p/dcutr'
/** "Implementations SHOULD refuse encoded RPC messages ... larger than 4 KiB." */
export const MAX_MESSAGE_SIZE = 4096

export async function readHolePunch(
  reader: StreamReader,
  expected: HolePunch.Type,
  options?: AbortOptions,
): Promise<HolePunch> {
  const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, options)
  let message: HolePunch
  try {
    message = HolePunch.decode(bytes)
  } catch (err) {
    throw new InvalidMessageError(`malformed HolePunch message: ${(err as Error).message}`)
  }
  if (message.type !== expected) {
    throw new UnexpectedHolePunchMessageError(`expected ${expected}, got ${message.type}`)
  }
  return message
}

export async function writeHolePunch(
  stream: MessageStream,
  message: HolePunch,
  options?: AbortOptions,
): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(HolePunch.encode(message)), options)
}
