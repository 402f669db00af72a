/**
 * Reading and writing the varint-length-prefixed hop and stop messages
 * (relay/circuit-v2.md "Protobuf"), bounded by `MAX_MESSAGE_SIZE`, and the
 * conversions between the wire `Limit` and @libp2p/interface's
 * `ConnectionLimits`.
 */
import {
  type AbortOptions,
  type ConnectionLimits,
  InvalidMessageError,
  type MessageStream,
} from '@libp2p/interface'
import { encodeLengthPrefixed, type StreamReader, sendAll } from '@weft/utils'
import { HopMessage, type Limit, StopMessage } from './circuit.pb.js'
import { MAX_MESSAGE_SIZE } from './constants.js'

export async function readHop(reader: StreamReader, options?: AbortOptions): Promise<HopMessage> {
  const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, options)
  try {
    return HopMessage.decode(bytes)
  } catch (err) {
    throw new InvalidMessageError(`malformed HopMessage: ${(err as Error).message}`)
  }
}

export async function readStop(reader: StreamReader, options?: AbortOptions): Promise<StopMessage> {
  const bytes = await reader.readLengthPrefixed(MAX_MESSAGE_SIZE, options)
  try {
    return StopMessage.decode(bytes)
  } catch (err) {
    throw new InvalidMessageError(`malformed StopMessage: ${(err as Error).message}`)
  }
}

export async function writeHop(
  stream: MessageStream,
  message: HopMessage,
  options?: AbortOptions,
): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(HopMessage.encode(message)), options)
}

export async function writeStop(
  stream: MessageStream,
  message: StopMessage,
  options?: AbortOptions,
): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(StopMessage.encode(message)), options)
}

/** The limits a relay applies, in the units it enforces them. */
export interface CircuitLimits {
  /** ms a circuit may stay open; 0 or absent: unlimited */
  duration?: number
  /** bytes per direction; 0n or absent: unlimited */
  data?: bigint
}

/** Wire form: whole seconds (rounded up, so the relay is not stricter than announced). */
export function limitToWire(limits: CircuitLimits): Limit | undefined {
  const duration =
    limits.duration != null && limits.duration > 0 ? Math.ceil(limits.duration / 1000) : undefined
  const data = limits.data != null && limits.data > 0n ? limits.data : undefined
  if (duration == null && data == null) return undefined
  return { duration, data }
}

/** The limits a relay announced, in ms and bytes; undefined when it announced none. */
export function limitFromWire(limit: Limit | undefined): CircuitLimits | undefined {
  if (limit == null) return undefined
  return {
    duration: limit.duration != null && limit.duration > 0 ? limit.duration * 1000 : undefined,
    data: limit.data != null && limit.data > 0n ? limit.data : undefined,
  }
}

/** `Connection.limits` for a relayed connection; undefined when the relay announced none. */
export function limitToConnectionLimits(limit: Limit | undefined): ConnectionLimits | undefined {
  if (limit == null) return undefined
  const out: ConnectionLimits = {}
  if (limit.duration != null && limit.duration > 0) out.seconds = limit.duration
  if (limit.data != null && limit.data > 0n) out.bytes = limit.data
  // a relayed connection is limited even when the relay names no figure: it
  // still runs through someone else's resources
  return out
}
