/**
 * Record validation and selection (libp2p/specs kad-dht/README.md, "Value
 * storage and retrieval", "Entry validation" and "Entry correction"). A
 * record key is `/<namespace>/<rest>`; the namespace picks the validator
 * that accepts or rejects a value and the selector that picks the best of
 * several values. `/pk/` is built in: the key is `/pk/` followed by the
 * multihash bytes of a peer id, the value the protobuf-encoded public key of
 * that peer (as go-libp2p-record and js-libp2p check it).
 */
import type { AbortOptions } from '@libp2p/interface'
import { publicKeyFromProtobuf } from '@weft/crypto'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { equalBytes } from '@weft/utils'
import { InvalidRecordError } from './errors.js'

/** Throws `InvalidRecordError` when `value` is not acceptable under `key`. */
export type Validator = (key: Uint8Array, value: Uint8Array, options?: AbortOptions) => void | Promise<void>

/** Index of the best of `values` (all already valid) for `key`. */
export type Selector = (key: Uint8Array, values: Uint8Array[]) => number

export type Validators = Record<string, Validator>
export type Selectors = Record<string, Selector>

const SLASH = 0x2f
const MAX_NAMESPACE_LENGTH = 64
const textDecoder = new TextDecoder()

/** The namespace of a record key (`pk` for `/pk/…`); throws when the key has none. */
export function namespaceOf(key: Uint8Array): string {
  if (key[0] !== SLASH) throw new InvalidRecordError('record key must start with "/<namespace>/"')
  const end = key.indexOf(SLASH, 1)
  if (end < 2 || end > MAX_NAMESPACE_LENGTH + 1) {
    throw new InvalidRecordError(
      'record key must start with "/<namespace>/" and a namespace of 1 to 64 bytes',
    )
  }
  return textDecoder.decode(key.subarray(1, end))
}

/** The built-in `/pk/` validator. */
export function validatePublicKeyRecord(key: Uint8Array, value: Uint8Array): void {
  if (namespaceOf(key) !== 'pk') throw new InvalidRecordError('not a /pk/ record key')
  const hash = key.subarray(4)
  let publicKey: ReturnType<typeof publicKeyFromProtobuf>
  try {
    publicKey = publicKeyFromProtobuf(value)
  } catch (err) {
    throw new InvalidRecordError(
      `a /pk/ record value must be a protobuf public key: ${(err as Error).message}`,
    )
  }
  if (equalBytes(hash, peerIdFromPublicKey(publicKey).toMultihash().bytes)) return
  throw new InvalidRecordError('the /pk/ record key is not the peer id of the public key in the value')
}

/** Every valid public key record for one key holds the same key: any will do. */
export function selectPublicKeyRecord(): number {
  return 0
}

export const defaultValidators = (): Validators => ({ pk: validatePublicKeyRecord })
export const defaultSelectors = (): Selectors => ({ pk: selectPublicKeyRecord })

/** Runs the validator of `key`'s namespace; throws `InvalidRecordError` when there is none or it rejects. */
export async function validateRecord(
  validators: Validators,
  key: Uint8Array,
  value: Uint8Array,
  options?: AbortOptions,
): Promise<void> {
  const namespace = namespaceOf(key)
  const validator = validators[namespace]
  if (validator == null) throw new InvalidRecordError(`no validator for the record namespace "${namespace}"`)
  try {
    await validator(key, value, options)
  } catch (err) {
    if (err instanceof InvalidRecordError) throw err
    throw new InvalidRecordError(
      `the "${namespace}" validator rejected the record: ${(err as Error).message}`,
    )
  }
}

/** Index of the best value for `key` under its namespace's selector (0 when there is none). */
export function selectRecord(selectors: Selectors, key: Uint8Array, values: Uint8Array[]): number {
  if (values.length === 0) throw new RangeError('cannot select from no values')
  const selector = selectors[namespaceOf(key)]
  if (selector == null || values.length === 1) return 0
  const index = selector(key, values)
  if (!Number.isInteger(index) || index < 0 || index >= values.length) {
    throw new InvalidRecordError(
      `the selector returned ${index}, not an index of the ${values.length} values`,
    )
  }
  return index
}
