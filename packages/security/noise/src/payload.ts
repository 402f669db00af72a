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
 * Built on @weft/utils' protobuf reader and writer: total on hostile input
 * (every length is checked against what remains), unknown fields are
 * skipped, and lists are bounded.
 */
import { InvalidCryptoExchangeError } from '@libp2p/interface'
import { isInvalidProtobufError, ProtobufReader, ProtobufWriter, WIRE_LENGTH_DELIMITED } from '@weft/utils'

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

const utf8Decoder = new TextDecoder('utf-8', { fatal: true })

function invalid(reason: string): InvalidCryptoExchangeError {
  return new InvalidCryptoExchangeError(`invalid handshake payload: ${reason}`)
}

// ---- encoding ---------------------------------------------------------------

function extensionsWriter(extensions: NoiseExtensions): ProtobufWriter {
  const writer = new ProtobufWriter()
  for (const hash of extensions.webtransportCerthashes) writer.bytes(1, hash)
  for (const muxer of extensions.streamMuxers) writer.string(2, muxer)
  return writer
}

export function encodeExtensions(extensions: NoiseExtensions): Uint8Array {
  return extensionsWriter(extensions).finish()
}

export function encodePayload(payload: NoiseHandshakePayload): Uint8Array {
  const writer = new ProtobufWriter().bytes(1, payload.identityKey).bytes(2, payload.identitySig)
  if (payload.extensions != null) writer.message(4, extensionsWriter(payload.extensions))
  return writer.finish()
}

// ---- decoding ---------------------------------------------------------------

function wrongWireType(field: number, wireType: number): InvalidCryptoExchangeError {
  return invalid(`field ${field} has wire type ${wireType}, expected ${WIRE_LENGTH_DELIMITED}`)
}

/** Runs `decode`, reporting malformed protobuf as `InvalidCryptoExchangeError`. */
function decoding<T>(decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if (isInvalidProtobufError(err)) throw invalid(err.message)
    throw err
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
  return decoding(() => {
    const extensions = into
    for (const entry of new ProtobufReader(bytes)) {
      const field = entry.field
      if (field !== 1 && field !== 2) continue
      if (entry.wireType !== WIRE_LENGTH_DELIMITED) throw wrongWireType(field, entry.wireType)
      const count = field === 1 ? extensions.webtransportCerthashes.length : extensions.streamMuxers.length
      if (count >= MAX_EXTENSION_ENTRIES) {
        throw invalid(`more than ${MAX_EXTENSION_ENTRIES} entries in extension field ${field}`)
      }
      if (field === 1) {
        extensions.webtransportCerthashes.push(Uint8Array.from(entry.value))
      } else {
        try {
          extensions.streamMuxers.push(utf8Decoder.decode(entry.value))
        } catch {
          throw invalid('a stream muxer protocol is not valid UTF-8')
        }
      }
    }
    return extensions
  })
}

export function decodePayload(bytes: Uint8Array): NoiseHandshakePayload {
  return decoding(() => {
    let identityKey: Uint8Array | undefined
    let identitySig: Uint8Array | undefined
    let extensions: NoiseExtensions | undefined
    for (const entry of new ProtobufReader(bytes)) {
      const field = entry.field
      if (field !== 1 && field !== 2 && field !== 4) continue
      if (entry.wireType !== WIRE_LENGTH_DELIMITED) throw wrongWireType(field, entry.wireType)
      if (field === 1) identityKey = entry.value
      else if (field === 2) identitySig = entry.value
      else extensions = decodeExtensions(entry.value, extensions)
    }
    if (identityKey == null || identityKey.byteLength === 0) throw invalid('identity_key is missing')
    if (identitySig == null || identitySig.byteLength === 0) throw invalid('identity_sig is missing')
    return { identityKey, identitySig, extensions }
  })
}
