/**
 * Length-prefixed HolePunch messages (relay/DCUtR.md "RPC messages"), at most
 * 4 KiB, with weft's NAT information in an extra field (nat-info.ts).
 */
import { type AbortOptions, InvalidMessageError, type MessageStream } from '@libp2p/interface'
import { encodeLengthPrefixed, type StreamReader, sendAll } from '@weft/utils'
import { UnexpectedHolePunchMessageError } from './errors.js'
import { HolePunch } from './holepunch.pb.js'
import { appendNatInfo, type NatInfo, readNatInfo } from './nat-info.js'

export const PROTOCOL = '/libp2p/dcutr'
/** "Implementations SHOULD refuse encoded RPC messages ... larger than 4 KiB." */
export const MAX_MESSAGE_SIZE = 4096

/** A HolePunch as read: with the sender's NAT information when it is a weft peer that has some. */
export type ReceivedHolePunch = HolePunch & { nat?: NatInfo }

export async function readHolePunch(
  reader: StreamReader,
  expected: HolePunch.Type,
  options?: AbortOptions,
): Promise<ReceivedHolePunch> {
  const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, options)
  let message: ReceivedHolePunch
  try {
    const flat = bytes.subarray()
    message = HolePunch.decode(flat)
    const nat = readNatInfo(flat)
    if (nat != null) message.nat = nat
  } catch (err) {
    throw new InvalidMessageError(`malformed HolePunch message: ${(err as Error).message}`)
  }
  if (message.type !== expected) {
    throw new UnexpectedHolePunchMessageError(`expected ${expected}, got ${message.type}`)
  }
  return message
}

/** Sends `message`, with `nat` (our NAT information) appended when given. */
export async function writeHolePunch(
  stream: MessageStream,
  message: HolePunch,
  options?: AbortOptions,
  nat?: NatInfo,
): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(appendNatInfo(HolePunch.encode(message), nat)), options)
}
