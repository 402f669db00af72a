/** Length-prefixed frames (unsigned varint length, then the bytes) on a stream, as every playground protocol sends them. */
import type { AbortOptions, MessageStream } from '@libp2p/interface'
import { encodeLengthPrefixed, StreamReader, sendAll } from '@weft/utils'
import { decodeJson, encodeJson, type Json } from './codec.js'

export async function writeFrame(
  stream: MessageStream,
  bytes: Uint8Array,
  options?: AbortOptions,
): Promise<void> {
  await sendAll(stream, encodeLengthPrefixed(bytes), options)
}

export async function writeJsonFrame(
  stream: MessageStream,
  value: unknown,
  limit: number,
  options?: AbortOptions,
): Promise<void> {
  await writeFrame(stream, encodeJson(value, limit), options)
}

export async function readFrame(
  reader: StreamReader,
  limit: number,
  options?: AbortOptions,
): Promise<Uint8Array> {
  return (await reader.readLengthPrefixed(limit, options)).subarray()
}

export async function readJsonFrame(
  reader: StreamReader,
  limit: number,
  options?: AbortOptions,
): Promise<Json> {
  return decodeJson(await readFrame(reader, limit, options), limit)
}

export { StreamReader }
