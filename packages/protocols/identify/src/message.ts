/**
 * The Identify message (libp2p/specs identify/README.md, "The Identify
 * Message") and its protobuf wire form
 * (https://protobuf.dev/programming-guides/encoding/):
 *
 * ```protobuf
 * syntax = "proto2";
 * message Identify {
 *   optional string protocolVersion = 5;
 *   optional string agentVersion = 6;
 *   optional bytes publicKey = 1;
 *   repeated bytes listenAddrs = 2;
 *   optional bytes observedAddr = 4;
 *   repeated string protocols = 3;
 *   optional bytes signedPeerRecord = 8;
 * }
 * ```
 *
 * Every field is length-delimited (wire type 2). Decoding is total and
 * bounded: unknown fields of any wire type but groups are skipped, repeated
 * fields are capped, byte fields are views into the input (no copies).
 */
import { InvalidMessageError } from '@libp2p/interface'
import { decodeVarint, encodeVarintInto, varintLength } from '@weft/utils'
import { TooManyEntriesError } from './errors.js'

export interface IdentifyMessage {
  protocolVersion?: string
  agentVersion?: string
  /** the sender's public key, protobuf-encoded as libp2p/specs peer-ids says */
  publicKey?: Uint8Array
  /** multiaddrs in binary form */
  listenAddrs: Uint8Array[]
  /** the address the sender sees the receiver at, in binary form */
  observedAddr?: Uint8Array
  protocols: string[]
  /** a signed envelope holding a PeerRecord (RFC 0002, 0003) */
  signedPeerRecord?: Uint8Array
}

export interface DecodeLimits {
  /** most `protocols` entries accepted (default 1024) */
  maxProtocols?: number
  /** most `listenAddrs` entries accepted (default 1024) */
  maxAddresses?: number
}

export const MAX_PROTOCOLS = 1024
export const MAX_ADDRESSES = 1024

const FIELD_PUBLIC_KEY = 1
const FIELD_LISTEN_ADDRS = 2
const FIELD_PROTOCOLS = 3
const FIELD_OBSERVED_ADDR = 4
const FIELD_PROTOCOL_VERSION = 5
const FIELD_AGENT_VERSION = 6
const FIELD_SIGNED_PEER_RECORD = 8
const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5

const textEncoder = new TextEncoder()
// proto2 does not require valid UTF-8: replace bad sequences rather than fail
const textDecoder = new TextDecoder('utf-8', { fatal: false })

/** Reads a varint of up to 10 bytes at `offset`; values past 2^53 are refused. */
function readVarint(bytes: Uint8Array, offset: number, what: string): { value: number; next: number } {
  let value = 0
  let multiplier = 1
  for (let i = 0; i < 10; i++) {
    const position = offset + i
    if (position >= bytes.byteLength) {
      throw new InvalidMessageError(`truncated varint (${what}) at byte ${offset}`)
    }
    const byte = bytes[position]!
    value += (byte & 0x7f) * multiplier
    if (byte < 0x80) {
      if (!Number.isSafeInteger(value)) {
        throw new InvalidMessageError(`varint (${what}) at byte ${offset} exceeds 2^53`)
      }
      return { value, next: position + 1 }
    }
    multiplier *= 0x80
  }
  throw new InvalidMessageError(`varint (${what}) at byte ${offset} is longer than 10 bytes`)
}

/** Skips a varint of any value (an unknown int64 field may use all 10 bytes). */
function skipVarint(bytes: Uint8Array, offset: number): number {
  for (let i = 0; i < 10; i++) {
    if (offset + i >= bytes.byteLength) {
      throw new InvalidMessageError(`truncated varint field at byte ${offset}`)
    }
    if (bytes[offset + i]! < 0x80) return offset + i + 1
  }
  throw new InvalidMessageError(`varint field at byte ${offset} is longer than 10 bytes`)
}

/** Decodes one Identify message; malformed input throws `InvalidMessageError`. */
export function decodeIdentify(bytes: Uint8Array, limits: DecodeLimits = {}): IdentifyMessage {
  const maxProtocols = limits.maxProtocols ?? MAX_PROTOCOLS
  const maxAddresses = limits.maxAddresses ?? MAX_ADDRESSES
  const message: IdentifyMessage = { listenAddrs: [], protocols: [] }
  let offset = 0
  while (offset < bytes.byteLength) {
    const tag = readVarint(bytes, offset, 'field tag')
    offset = tag.next
    const field = Math.floor(tag.value / 8)
    const wireType = tag.value % 8
    if (field === 0 || field > 0x1fffffff) {
      throw new InvalidMessageError(`field number ${field} is out of the protobuf range`)
    }
    if (wireType !== WIRE_LENGTH_DELIMITED) {
      if (field <= FIELD_SIGNED_PEER_RECORD && field !== 7) {
        throw new InvalidMessageError(`field ${field} must have wire type 2, got ${wireType}`)
      }
      offset = skipField(bytes, offset, field, wireType)
      continue
    }
    const length = readVarint(bytes, offset, `length of field ${field}`)
    offset = length.next
    if (length.value > bytes.byteLength - offset) {
      throw new InvalidMessageError(
        `field ${field} announces ${length.value} bytes but only ${bytes.byteLength - offset} remain`,
      )
    }
    const value = bytes.subarray(offset, offset + length.value)
    offset += length.value
    switch (field) {
      case FIELD_PUBLIC_KEY:
        message.publicKey = value
        break
      case FIELD_LISTEN_ADDRS:
        if (message.listenAddrs.length >= maxAddresses)
          throw new TooManyEntriesError('listenAddrs', maxAddresses)
        message.listenAddrs.push(value)
        break
      case FIELD_PROTOCOLS:
        if (message.protocols.length >= maxProtocols) throw new TooManyEntriesError('protocols', maxProtocols)
        message.protocols.push(textDecoder.decode(value))
        break
      case FIELD_OBSERVED_ADDR:
        message.observedAddr = value
        break
      case FIELD_PROTOCOL_VERSION:
        message.protocolVersion = textDecoder.decode(value)
        break
      case FIELD_AGENT_VERSION:
        message.agentVersion = textDecoder.decode(value)
        break
      case FIELD_SIGNED_PEER_RECORD:
        message.signedPeerRecord = value
        break
      default:
        // an unknown length-delimited field: skipped
        break
    }
  }
  return message
}

function skipField(bytes: Uint8Array, offset: number, field: number, wireType: number): number {
  switch (wireType) {
    case WIRE_VARINT:
      return skipVarint(bytes, offset)
    case WIRE_FIXED64:
    case WIRE_FIXED32: {
      const next = offset + (wireType === WIRE_FIXED64 ? 8 : 4)
      if (next > bytes.byteLength) throw new InvalidMessageError(`truncated fixed-size field ${field}`)
      return next
    }
    default:
      // 3 and 4 are the deprecated groups, 6 and 7 do not exist
      throw new InvalidMessageError(`unsupported wire type ${wireType} in field ${field}`)
  }
}

/**
 * Folds the messages of one stream into one, as protobuf merging does:
 * go-libp2p splits a large Identify into two messages (the second carrying
 * only the signed peer record). Repeated fields concatenate within the caps.
 */
export function mergeIdentify(messages: IdentifyMessage[], limits: DecodeLimits = {}): IdentifyMessage {
  if (messages.length === 1) return messages[0]!
  const maxProtocols = limits.maxProtocols ?? MAX_PROTOCOLS
  const maxAddresses = limits.maxAddresses ?? MAX_ADDRESSES
  const merged: IdentifyMessage = { listenAddrs: [], protocols: [] }
  for (const message of messages) {
    merged.protocolVersion = message.protocolVersion ?? merged.protocolVersion
    merged.agentVersion = message.agentVersion ?? merged.agentVersion
    merged.publicKey = message.publicKey ?? merged.publicKey
    merged.observedAddr = message.observedAddr ?? merged.observedAddr
    merged.signedPeerRecord = message.signedPeerRecord ?? merged.signedPeerRecord
    merged.listenAddrs.push(...message.listenAddrs)
    merged.protocols.push(...message.protocols)
    if (merged.listenAddrs.length > maxAddresses) throw new TooManyEntriesError('listenAddrs', maxAddresses)
    if (merged.protocols.length > maxProtocols) throw new TooManyEntriesError('protocols', maxProtocols)
  }
  return merged
}

type Field = [number, Uint8Array]

function fieldsOf(message: IdentifyMessage): Field[] {
  // ascending field order, as the reference encoders write it
  const fields: Field[] = []
  if (message.publicKey != null) fields.push([FIELD_PUBLIC_KEY, message.publicKey])
  for (const addr of message.listenAddrs) fields.push([FIELD_LISTEN_ADDRS, addr])
  for (const protocol of message.protocols) fields.push([FIELD_PROTOCOLS, textEncoder.encode(protocol)])
  if (message.observedAddr != null) fields.push([FIELD_OBSERVED_ADDR, message.observedAddr])
  if (message.protocolVersion != null) {
    fields.push([FIELD_PROTOCOL_VERSION, textEncoder.encode(message.protocolVersion)])
  }
  if (message.agentVersion != null)
    fields.push([FIELD_AGENT_VERSION, textEncoder.encode(message.agentVersion)])
  if (message.signedPeerRecord != null) fields.push([FIELD_SIGNED_PEER_RECORD, message.signedPeerRecord])
  return fields
}

/**
 * Encodes `message`; with `lengthPrefixed` the varint length comes first, as
 * identify sends it on the stream, in the same single allocation.
 */
export function encodeIdentify(
  message: IdentifyMessage,
  options: { lengthPrefixed?: boolean } = {},
): Uint8Array {
  const fields = fieldsOf(message)
  let size = 0
  for (const [, value] of fields) size += 1 + varintLength(value.byteLength) + value.byteLength
  const prefix = options.lengthPrefixed === true ? varintLength(size) : 0
  const out = new Uint8Array(prefix + size)
  let offset = prefix > 0 ? encodeVarintInto(size, out, 0) : 0
  for (const [field, value] of fields) {
    out[offset++] = (field << 3) | WIRE_LENGTH_DELIMITED
    offset += encodeVarintInto(value.byteLength, out, offset)
    out.set(value, offset)
    offset += value.byteLength
  }
  return out
}

/**
 * The bytes of one identify response or push: one length-prefixed message,
 * or, when that would exceed `maxMessageSize` and carries a signed peer
 * record, two (the record alone in the second), as go-libp2p splits them,
 * so a receiver with the common 8 KiB limit still gets each part.
 */
export function encodeResponse(message: IdentifyMessage, maxMessageSize: number): Uint8Array {
  const whole = encodeIdentify(message, { lengthPrefixed: true })
  const record = message.signedPeerRecord
  if (record == null || decodeVarint(whole)!.value <= maxMessageSize) return whole
  const first = encodeIdentify({ ...message, signedPeerRecord: undefined }, { lengthPrefixed: true })
  const second = encodeIdentify(
    { listenAddrs: [], protocols: [], signedPeerRecord: record },
    { lengthPrefixed: true },
  )
  const out = new Uint8Array(first.byteLength + second.byteLength)
  out.set(first, 0)
  out.set(second, first.byteLength)
  return out
}
