/**
 * The multistream-select 1.0 wire format (multiformats/multistream-select
 * README, "The header" and "Listing"; libp2p/specs connections/README.md,
 * "Protocol Negotiation"): every message is an unsigned varint length, then
 * that many bytes of UTF-8 text ending in "\n" (the newline counts in the
 * length). The answer to `ls` is one message whose body is each protocol as a
 * length-prefixed "<id>\n", then a final "\n".
 *
 * Pure functions and a synchronous incremental decoder: no I/O here.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { concatBytes, decodeVarint, encodeVarintInto, MessageTooLargeError, varintLength } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'

export const PROTOCOL_ID = '/multistream/1.0.0'
/** "not available": the listener's answer to a protocol it does not speak */
export const NA = 'na'
/** asks the listener for the list of protocols it speaks */
export const LS = 'ls'
/** go-libp2p and js-libp2p refuse protocol messages longer than this */
export const DEFAULT_MAX_MESSAGE_LENGTH = 1024
/** the largest message multistream-select allows */
export const MAX_MESSAGE_LENGTH = 65535

const NEWLINE = 0x0a
const textEncoder = new TextEncoder()
// fatal: malformed UTF-8 is an error, not U+FFFD; ignoreBOM: keep the bytes as sent
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

// Encoded messages of the few ids a host uses (its protocols, the header, "na"),
// so a negotiation encodes nothing. Bounded: once full, new ids are not cached.
const MAX_CACHED_MESSAGES = 256
const encodedMessages = new Map<string, Uint8Array>()

/**
 * The wire bytes of one message. The result may be shared: copy it (as
 * `concatMessages` does) before handing it to a stream, never mutate it.
 */
export function messageBytes(text: string): Uint8Array {
  const cached = encodedMessages.get(text)
  if (cached !== undefined) return cached
  if (text.length >= MAX_MESSAGE_LENGTH) {
    throw new RangeError(`a multistream-select message holds at most ${MAX_MESSAGE_LENGTH - 1} bytes of text`)
  }
  const body = textEncoder.encode(text)
  const length = body.byteLength + 1
  if (length > MAX_MESSAGE_LENGTH) {
    throw new RangeError(`a multistream-select message holds at most ${MAX_MESSAGE_LENGTH - 1} bytes of text`)
  }
  const bytes = new Uint8Array(varintLength(length) + length)
  bytes.set(body, encodeVarintInto(length, bytes, 0))
  bytes[bytes.byteLength - 1] = NEWLINE
  if (encodedMessages.size < MAX_CACHED_MESSAGES) encodedMessages.set(text, bytes)
  return bytes
}

/** Joins encoded messages into one fresh buffer, so they leave in one write. */
export function concatMessages(parts: readonly Uint8Array[]): Uint8Array {
  return concatBytes(parts)
}

/** Encodes `texts` as consecutive messages in one buffer. */
export function encodeMessages(texts: readonly string[]): Uint8Array {
  return concatMessages(texts.map(messageBytes))
}

/** The answer to `ls`: one message listing `protocols`. */
export function encodeList(protocols: readonly string[]): Uint8Array {
  const lines = protocols.map(messageBytes)
  let bodyLength = 1
  for (const line of lines) bodyLength += line.byteLength
  const out = new Uint8Array(varintLength(bodyLength) + bodyLength)
  let offset = encodeVarintInto(bodyLength, out, 0)
  for (const line of lines) {
    out.set(line, offset)
    offset += line.byteLength
  }
  out[offset] = NEWLINE
  return out
}

/** A string safe to quote in an error message: escaped and cut short. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text)
}

/**
 * Incremental decoder: `push` chunks as they arrive, take messages with
 * `next()` one at a time (so bytes after the last negotiation message stay
 * untouched), then `takeRemainder()` for the bytes that belong to the
 * negotiated protocol. Holds at most one partial message plus the chunk that
 * completed it.
 */
export class MessageDecoder {
  private readonly buffer = new Uint8ArrayList()
  /** a varint this long announces more than `maxMessageLength` */
  private readonly maxPrefixBytes: number

  constructor(readonly maxMessageLength = DEFAULT_MAX_MESSAGE_LENGTH) {
    if (
      !Number.isInteger(maxMessageLength) ||
      maxMessageLength < 1 ||
      maxMessageLength > MAX_MESSAGE_LENGTH
    ) {
      throw new RangeError(
        `maxMessageLength must be an integer from 1 to ${MAX_MESSAGE_LENGTH}, got ${maxMessageLength}`,
      )
    }
    this.maxPrefixBytes = varintLength(maxMessageLength)
  }

  get bufferedBytes(): number {
    return this.buffer.byteLength
  }

  push(chunk: Uint8Array | Uint8ArrayList): void {
    this.buffer.append(chunk)
  }

  /**
   * The text of the next complete message (without its newline), or undefined
   * until more bytes arrive. Throws `MessageTooLargeError` as soon as a length
   * prefix announces more than the limit, `InvalidMessageError` for a
   * malformed prefix, a missing newline or bytes that are not UTF-8.
   */
  next(): string | undefined {
    const buffer = this.buffer
    let prefix: ReturnType<typeof decodeVarint>
    try {
      prefix = decodeVarint(buffer, 0, this.maxPrefixBytes)
    } catch {
      // longer than maxPrefixBytes, or not minimally encoded: tell them apart
      let announced: ReturnType<typeof decodeVarint>
      try {
        announced = decodeVarint(buffer)
      } catch (err) {
        throw new InvalidMessageError(`malformed length prefix: ${(err as Error).message}`)
      }
      if (announced !== undefined) throw new MessageTooLargeError(announced.value, this.maxMessageLength)
      const atLeast = 128 ** this.maxPrefixBytes
      throw new MessageTooLargeError(
        atLeast,
        this.maxMessageLength,
        `length prefix announces at least ${atLeast} bytes, over the limit of ${this.maxMessageLength}`,
      )
    }
    if (prefix === undefined) return undefined
    const length = prefix.value
    if (length > this.maxMessageLength) throw new MessageTooLargeError(length, this.maxMessageLength)
    const end = prefix.length + length
    if (buffer.byteLength < end) return undefined
    if (length === 0 || buffer.get(end - 1) !== NEWLINE) {
      throw new InvalidMessageError(`expected a message ending in "\\n", got ${length} bytes without it`)
    }
    const body = buffer.subarray(prefix.length, end - 1)
    buffer.consume(end)
    try {
      return textDecoder.decode(body)
    } catch {
      throw new InvalidMessageError('expected a UTF-8 protocol id, got malformed UTF-8')
    }
  }

  /** Every byte not decoded yet; the decoder is empty afterwards. */
  takeRemainder(): Uint8ArrayList {
    const rest = this.buffer.sublist()
    this.buffer.consume(rest.byteLength)
    return rest
  }
}
