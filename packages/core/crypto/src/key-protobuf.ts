/**
 * The `PublicKey` / `PrivateKey` protobuf messages of the peer-id spec
 * (peer-ids/peer-ids.md, "Keys"):
 *
 *     enum KeyType { RSA = 0; Ed25519 = 1; Secp256k1 = 2; ECDSA = 3; }
 *     message PublicKey  { required KeyType Type = 1; required bytes Data = 2; }
 *     message PrivateKey { required KeyType Type = 1; required bytes Data = 2; }
 *
 * Encoding is deterministic as the spec requires: both fields, in tag order,
 * minimal varints. Decoding accepts any field order and skips unknown fields.
 */
import type { KeyType } from '@libp2p/interface'
import { isInvalidProtobufError, ProtobufReader, ProtobufWriter } from '@weft/utils'
import { UnsupportedKeyTypeError } from './errors.js'

const KEY_TYPE_CODES: Record<KeyType, number> = { RSA: 0, Ed25519: 1, secp256k1: 2, ECDSA: 3 }
const KEY_TYPES: readonly KeyType[] = ['RSA', 'Ed25519', 'secp256k1', 'ECDSA']
const MAX_TYPE_CODE = 0x7fffffffn

export interface KeyMessage {
  type: KeyType
  data: Uint8Array
}

export function encodeKeyMessage(type: KeyType, data: Uint8Array): Uint8Array {
  const code = KEY_TYPE_CODES[type]
  if (code === undefined)
    throw new UnsupportedKeyTypeError(`expected a key type of ${KEY_TYPES.join(', ')}, got ${type}`)
  return new ProtobufWriter().varint(1, code).bytes(2, data).finish()
}

/** Decodes a key message; `fail(reason)` builds the error for malformed bytes. */
export function decodeKeyMessage(bytes: Uint8Array, fail: (reason: string) => Error): KeyMessage {
  let code: number | undefined
  let data: Uint8Array | undefined
  try {
    for (const field of new ProtobufReader(bytes)) {
      if (field.field === 1) {
        if (field.wireType !== 0)
          throw fail(`expected Type (field 1) to be a varint, got wire type ${field.wireType}`)
        // a code past the four key types is refused below, whatever its size
        code = field.value <= MAX_TYPE_CODE ? Number(field.value) : Number.MAX_SAFE_INTEGER
      } else if (field.field === 2) {
        if (field.wireType !== 2)
          throw fail(`expected Data (field 2) to be bytes, got wire type ${field.wireType}`)
        data = field.value
      }
    }
  } catch (err) {
    if (isInvalidProtobufError(err)) throw fail(err.message)
    throw err
  }
  if (code === undefined) throw fail('missing required field Type (1)')
  if (data === undefined) throw fail('missing required field Data (2)')
  const type = KEY_TYPES[code]
  if (type === undefined) throw new UnsupportedKeyTypeError(`expected key type 0 to 3, got ${code}`)
  return { type, data }
}
