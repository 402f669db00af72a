/**
 * The wire format, three nested protobuf messages (this package's README):
 *
 * ```
 * Sealed { 1: version = 1, 2: ephemeral X25519 public key, 3: ciphertext }   ← the MQTT payload
 *   Signed { 1: body, 2: sender public key (libp2p protobuf), 3: signature } ← inside the ciphertext
 *     Body { 1: from, 2: to (peer id multihashes), 3: type, 4: payload,
 *            5: expiry (ms since the epoch), 6: nonce (16 bytes), 7: inReplyTo (a request's nonce) }
 * ```
 *
 * Pure codecs: no keys, no clock. Decoders are bounded and throw
 * `InvalidSignalError` saying what was expected and what arrived.
 */
import {
  isInvalidProtobufError,
  ProtobufReader,
  ProtobufWriter,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from '@weft/utils'
import { InvalidSignalError } from './errors.js'

export const SEAL_VERSION = 1
export const NONCE_LENGTH = 16
export const X25519_KEY_LENGTH = 32
export const MAX_TYPE_LENGTH = 128
/** a peer id multihash: 38 bytes for Ed25519, 34 for sha2-256 ids */
const MAX_PEER_ID_LENGTH = 64
const MAX_FIELDS = 16

export interface Sealed {
  version: number
  ephemeralKey: Uint8Array
  ciphertext: Uint8Array
}

export interface Signed {
  body: Uint8Array
  publicKey: Uint8Array
  signature: Uint8Array
}

export interface Body {
  from: Uint8Array
  to: Uint8Array
  type: string
  payload: Uint8Array
  /** ms since the epoch */
  expiry: number
  nonce: Uint8Array
  inReplyTo?: Uint8Array
}

export function encodeSealed(sealed: Sealed): Uint8Array {
  return new ProtobufWriter()
    .varint(1, sealed.version)
    .bytes(2, sealed.ephemeralKey)
    .bytes(3, sealed.ciphertext)
    .finish()
}

export function encodeSigned(signed: Signed): Uint8Array {
  return new ProtobufWriter()
    .bytes(1, signed.body)
    .bytes(2, signed.publicKey)
    .bytes(3, signed.signature)
    .finish()
}

export function encodeBody(body: Body): Uint8Array {
  const writer = new ProtobufWriter()
    .bytes(1, body.from)
    .bytes(2, body.to)
    .string(3, body.type)
    .bytes(4, body.payload)
    .varint(5, body.expiry)
    .bytes(6, body.nonce)
  if (body.inReplyTo != null) writer.bytes(7, body.inReplyTo)
  return writer.finish()
}

type Fields = Map<number, { varint?: bigint; bytes?: Uint8Array }>

/** Each field at most once, of the wire type expected; unknown fields skipped. */
function readFields(bytes: Uint8Array, what: string, types: Record<number, 'varint' | 'bytes'>): Fields {
  const fields: Fields = new Map()
  try {
    for (const field of new ProtobufReader(bytes, { maxFields: MAX_FIELDS })) {
      const expected = types[field.field]
      if (expected === undefined) continue
      if (fields.has(field.field)) throw new InvalidSignalError(`${what}: field ${field.field} appears twice`)
      if (expected === 'varint' && field.wireType === WIRE_VARINT)
        fields.set(field.field, { varint: field.value })
      else if (expected === 'bytes' && field.wireType === WIRE_LENGTH_DELIMITED)
        fields.set(field.field, { bytes: field.value })
      else
        throw new InvalidSignalError(
          `${what}: field ${field.field} should be ${expected}, got wire type ${field.wireType}`,
        )
    }
  } catch (err) {
    if (err instanceof InvalidSignalError) throw err
    if (isInvalidProtobufError(err) || (err as Error).name === 'LimitExceededError') {
      throw new InvalidSignalError(`${what}: ${(err as Error).message}`)
    }
    throw err
  }
  return fields
}

function needBytes(fields: Fields, field: number, what: string, min: number, max: number): Uint8Array {
  const value = fields.get(field)?.bytes
  if (value === undefined) throw new InvalidSignalError(`${what}: field ${field} is missing`)
  if (value.byteLength < min || value.byteLength > max) {
    throw new InvalidSignalError(
      `${what}: field ${field} should be ${min === max ? min : `${min} to ${max}`} bytes, got ${value.byteLength}`,
    )
  }
  return value
}

export function decodeSealed(bytes: Uint8Array): Sealed {
  const fields = readFields(bytes, 'sealed message', { 1: 'varint', 2: 'bytes', 3: 'bytes' })
  const version = fields.get(1)?.varint
  if (version !== BigInt(SEAL_VERSION)) {
    throw new InvalidSignalError(`sealed message: expected version ${SEAL_VERSION}, got ${String(version)}`)
  }
  return {
    version: SEAL_VERSION,
    ephemeralKey: needBytes(fields, 2, 'sealed message', X25519_KEY_LENGTH, X25519_KEY_LENGTH),
    ciphertext: needBytes(fields, 3, 'sealed message', 16, bytes.byteLength),
  }
}

export function decodeSigned(bytes: Uint8Array): Signed {
  const fields = readFields(bytes, 'signed message', { 1: 'bytes', 2: 'bytes', 3: 'bytes' })
  return {
    body: needBytes(fields, 1, 'signed message', 1, bytes.byteLength),
    publicKey: needBytes(fields, 2, 'signed message', 1, 1024),
    signature: needBytes(fields, 3, 'signed message', 1, 1024),
  }
}

export function decodeBody(bytes: Uint8Array): Body {
  const what = 'message body'
  const fields = readFields(bytes, what, {
    1: 'bytes',
    2: 'bytes',
    3: 'bytes',
    4: 'bytes',
    5: 'varint',
    6: 'bytes',
    7: 'bytes',
  })
  const expiry = fields.get(5)?.varint
  if (expiry === undefined || expiry > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidSignalError(`${what}: expected an expiry in ms, got ${String(expiry)}`)
  }
  const typeBytes = needBytes(fields, 3, what, 1, MAX_TYPE_LENGTH)
  let type: string
  try {
    type = new TextDecoder('utf-8', { fatal: true }).decode(typeBytes)
  } catch {
    throw new InvalidSignalError(`${what}: the type is not UTF-8`)
  }
  const body: Body = {
    from: needBytes(fields, 1, what, 1, MAX_PEER_ID_LENGTH),
    to: needBytes(fields, 2, what, 1, MAX_PEER_ID_LENGTH),
    type,
    payload: fields.get(4)?.bytes ?? new Uint8Array(0),
    expiry: Number(expiry),
    nonce: needBytes(fields, 6, what, NONCE_LENGTH, NONCE_LENGTH),
  }
  const inReplyTo = fields.get(7)?.bytes
  if (inReplyTo !== undefined) {
    if (inReplyTo.byteLength !== NONCE_LENGTH) {
      throw new InvalidSignalError(
        `${what}: inReplyTo should be ${NONCE_LENGTH} bytes, got ${inReplyTo.byteLength}`,
      )
    }
    body.inReplyTo = inReplyTo
  }
  return body
}
