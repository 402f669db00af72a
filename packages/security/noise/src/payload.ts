/**
 * The libp2p Noise handshake payload (libp2p/specs noise/README.md, "The
 * libp2p Handshake Payload"; stream_muxers from
 * connections/inlined-muxer-negotiation.md):
 *
 * ```protobuf
 * message NoiseExtensions {
 *   repeated bytes webtransport_certhashes = 1;
 *   repeated string stream_muxers = 2;
 * }
 * message NoiseHandshakePayload {
 *   bytes identity_key = 1;
 *   bytes identity_sig = 2;
 *   NoiseExtensions extensions = 4;
 * }
 * ```
 *
 * A hand-written codec: total on hostile input (every length is checked
 * against what remains), unknown fields are skipped, and lists are bounded.
 */
import { InvalidCryptoExchangeError } from '@libp2p/interface'

export interface NoiseExtensions {
  webtransportCerthashes: Uint8Array[]
  streamMuxers: string[]
}

export interface NoiseHandshakePayload {
  /** the sender's libp2p public key, as the peer-id spec's `PublicKey` protobuf */
  identityKey: Uint8Array
  /** signature of "noise-libp2p-static-key:" || the sender's static X25519 key */
  identitySig: Uint8Array
  extensions?: NoiseExtensions
}

/** Most entries accepted in each repeated field of NoiseExtensions. */
export const MAX_EXTENSION_ENTRIES = 64

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

function invalid(reason: string): InvalidCryptoExchangeError {
  return new InvalidCryptoExchangeError(`invalid handshake payload: ${reason}`)
}

// ---- encoding ---------------------------------------------------------------

function varintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    size++
  }
  return size
}

class Writer {
  private readonly parts: Uint8Array[] = []
  length = 0

  varint(value: number): void {
    const out = new Uint8Array(varintSize(value))
    let i = 0
    while (value >= 0x80) {
      out[i++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    out[i] = value
    this.push(out)
  }

  bytesField(field: number, value: Uint8Array): void {
    this.varint((field << 3) | WIRE_LENGTH_DELIMITED)
    this.varint(value.byteLength)
    this.push(value)
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length)
    let offset = 0
    for (const part of this.parts) {
      out.set(part, offset)
      offset += part.byteLength
    }
    return out
  }

  private push(part: Uint8Array): void {
    this.parts.push(part)
    this.length += part.byteLength
  }
}

export function encodeExtensions(extensions: NoiseExtensions): Uint8Array {
  const writer = new Writer()
  for (const hash of extensions.webtransportCerthashes) writer.bytesField(1, hash)
  for (const muxer of extensions.streamMuxers) writer.bytesField(2, utf8Encoder.encode(muxer))
  return writer.finish()
}

export function encodePayload(payload: NoiseHandshakePayload): Uint8Array {
  const writer = new Writer()
  writer.bytesField(1, payload.identityKey)
  writer.bytesField(2, payload.identitySig)
  if (payload.extensions != null) writer.bytesField(4, encodeExtensions(payload.extensions))
  return writer.finish()
}

// ---- decoding ---------------------------------------------------------------

class Reader {
  offset = 0

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.byteLength
  }

  /** A protobuf varint of up to 10 bytes; values past 2^53 only matter to skipped fields. */
  varint(): number {
    let value = 0
    let multiplier = 1
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.bytes.byteLength) throw invalid('a varint is cut off')
      const byte = this.bytes[this.offset++]!
      value += (byte & 0x7f) * multiplier
      if (byte < 0x80) return value
      multiplier *= 0x80
    }
    throw invalid('a varint is longer than 10 bytes')
  }

  lengthDelimited(): Uint8Array {
    const length = this.varint()
    if (length > this.bytes.byteLength - this.offset) {
      throw invalid(`a field announces ${length} bytes but ${this.bytes.byteLength - this.offset} remain`)
    }
    const value = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint()
        return
      case WIRE_FIXED64:
        this.advance(8)
        return
      case WIRE_LENGTH_DELIMITED:
        this.lengthDelimited()
        return
      case WIRE_FIXED32:
        this.advance(4)
        return
      default:
        throw invalid(`unsupported wire type ${wireType}`)
    }
  }

  private advance(length: number): void {
    if (length > this.bytes.byteLength - this.offset) throw invalid('a fixed-width field is cut off')
    this.offset += length
  }
}

function readTag(reader: Reader): { field: number; wireType: number } {
  const tag = reader.varint()
  const field = Math.floor(tag / 8)
  if (field === 0) throw invalid('field number 0')
  return { field, wireType: tag % 8 }
}

function expectLengthDelimited(field: number, wireType: number): void {
  if (wireType !== WIRE_LENGTH_DELIMITED) {
    throw invalid(`field ${field} has wire type ${wireType}, expected ${WIRE_LENGTH_DELIMITED}`)
  }
}

/**
 * Decodes NoiseExtensions; entries are appended to `into` when given (a
 * message field that occurs twice is merged, as protobuf says).
 */
export function decodeExtensions(
  bytes: Uint8Array,
  into: NoiseExtensions = { webtransportCerthashes: [], streamMuxers: [] },
): NoiseExtensions {
  const reader = new Reader(bytes)
  const extensions = into
  while (!reader.done) {
    const { field, wireType } = readTag(reader)
    if (field === 1 || field === 2) {
      expectLengthDelimited(field, wireType)
      const value = reader.lengthDelimited()
      const count = field === 1 ? extensions.webtransportCerthashes.length : extensions.streamMuxers.length
      if (count >= MAX_EXTENSION_ENTRIES) {
        throw invalid(`more than ${MAX_EXTENSION_ENTRIES} entries in extension field ${field}`)
      }
      if (field === 1) {
        extensions.webtransportCerthashes.push(Uint8Array.from(value))
      } else {
        try {
          extensions.streamMuxers.push(utf8Decoder.decode(value))
        } catch {
          throw invalid('a stream muxer protocol is not valid UTF-8')
        }
      }
    } else {
      reader.skip(wireType)
    }
  }
  return extensions
}

export function decodePayload(bytes: Uint8Array): NoiseHandshakePayload {
  const reader = new Reader(bytes)
  let identityKey: Uint8Array | undefined
  let identitySig: Uint8Array | undefined
  let extensions: NoiseExtensions | undefined
  while (!reader.done) {
    const { field, wireType } = readTag(reader)
    if (field === 1 || field === 2 || field === 4) {
      expectLengthDelimited(field, wireType)
      const value = reader.lengthDelimited()
      if (field === 1) identityKey = value
      else if (field === 2) identitySig = value
      else extensions = decodeExtensions(value, extensions)
    } else {
      reader.skip(wireType)
    }
  }
  if (identityKey == null || identityKey.byteLength === 0) throw invalid('identity_key is missing')
  if (identitySig == null || identitySig.byteLength === 0) throw invalid('identity_sig is missing')
  return { identityKey, identitySig, extensions }
}
