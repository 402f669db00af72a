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
 * @weft/utils' protobuf reader and writer do the wire format; malformed
 * protobuf leaves this module as `InvalidMessageError`.
 */
import { InvalidMessageError } from '@libp2p/interface'
import {
  concatBytes,
  decodeVarint,
  isInvalidProtobufError,
  ProtobufReader,
  ProtobufWriter,
  WIRE_LENGTH_DELIMITED,
} from '@weft/utils'
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
// proto2 does not require valid UTF-8: replace bad sequences rather than fail
const textDecoder = new TextDecoder('utf-8', { fatal: false })

/** Decodes one Identify message; malformed input throws `InvalidMessageError`. */
export function decodeIdentify(bytes: Uint8Array, limits: DecodeLimits = {}): IdentifyMessage {
  try {
    return decodeFields(bytes, limits)
  } catch (err) {
    if (isInvalidProtobufError(err)) throw new InvalidMessageError(err.message)
    throw err
  }
}

function decodeFields(bytes: Uint8Array, limits: DecodeLimits): IdentifyMessage {
  const maxProtocols = limits.maxProtocols ?? MAX_PROTOCOLS
  const maxAddresses = limits.maxAddresses ?? MAX_ADDRESSES
  const message: IdentifyMessage = { listenAddrs: [], protocols: [] }
  for (const entry of new ProtobufReader(bytes)) {
    const field = entry.field
    if (entry.wireType !== WIRE_LENGTH_DELIMITED) {
      if (field <= FIELD_SIGNED_PEER_RECORD && field !== 7) {
        throw new InvalidMessageError(`field ${field} must have wire type 2, got ${entry.wireType}`)
      }
      continue // an unknown field of another wire type: skipped
    }
    const value = entry.value
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

/**
 * Encodes `message`, fields in ascending order as the reference encoders
 * write them; with `lengthPrefixed` the varint length comes first, as
 * identify sends it on the stream, in the same single allocation.
 */
export function encodeIdentify(
  message: IdentifyMessage,
  options: { lengthPrefixed?: boolean } = {},
): Uint8Array {
  const writer = new ProtobufWriter()
  if (message.publicKey != null) writer.bytes(FIELD_PUBLIC_KEY, message.publicKey)
  for (const addr of message.listenAddrs) writer.bytes(FIELD_LISTEN_ADDRS, addr)
  for (const protocol of message.protocols) writer.string(FIELD_PROTOCOLS, protocol)
  if (message.observedAddr != null) writer.bytes(FIELD_OBSERVED_ADDR, message.observedAddr)
  if (message.protocolVersion != null) writer.string(FIELD_PROTOCOL_VERSION, message.protocolVersion)
  if (message.agentVersion != null) writer.string(FIELD_AGENT_VERSION, message.agentVersion)
  if (message.signedPeerRecord != null) writer.bytes(FIELD_SIGNED_PEER_RECORD, message.signedPeerRecord)
  return writer.finish(options)
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
  return concatBytes([first, second], first.byteLength + second.byteLength)
}
