/**
 * BEP44 "Storing arbitrary data in the DHT", pure of I/O: targets, the
 * signed payload of mutable items, validation of a `put` with the BEP's
 * error codes. Immutable items are stored under SHA-1 of their bencoded
 * value; mutable ones under SHA-1 of the Ed25519 public key and the salt,
 * signed over `salt`, `seq` and `v` (BEP44 "Mutable items").
 */
import { createHash } from 'node:crypto'
import { publicKeyFromRaw } from '@weft/crypto'
import { type Bencodable, type BencodeValue, encode } from './bencode.js'
import { ErrorCode, KrpcError } from './errors.js'

/** BEP44: a bencoded `v` is at most 1 000 bytes, a salt 64, a key 32, a signature 64. */
export const MAX_VALUE_SIZE = 1000
export const MAX_SALT_SIZE = 64
export const PUBLIC_KEY_SIZE = 32
export const SIGNATURE_SIZE = 64

/** Signs mutable items: a raw 32-byte Ed25519 public key and a signing function (a libp2p `PrivateKey` fits). */
export interface ItemSigner {
  readonly publicKey: { readonly raw: Uint8Array }
  sign(data: Uint8Array): Uint8Array | Promise<Uint8Array>
}

export interface ImmutableItem {
  readonly v: BencodeValue
}

export interface MutableItem {
  readonly v: BencodeValue
  /** The Ed25519 public key. */
  readonly k: Uint8Array
  readonly sig: Uint8Array
  readonly seq: number
  readonly salt?: Uint8Array
}

export type StoredItem = ImmutableItem | MutableItem

export function isMutable(item: StoredItem): item is MutableItem {
  return 'k' in item
}

function sha1(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha1')
  for (const part of parts) hash.update(part)
  return new Uint8Array(hash.digest())
}

/** The target of an immutable item: SHA-1 of its bencoded value. */
export function immutableTarget(value: Bencodable): Uint8Array {
  return sha1(encode(value))
}

/** The target of a mutable item: SHA-1 of the public key and the salt. */
export function mutableTarget(publicKey: Uint8Array, salt?: Uint8Array): Uint8Array {
  return salt === undefined || salt.length === 0 ? sha1(publicKey) : sha1(publicKey, salt)
}

/** What a mutable item's signature covers: `4:salt…3:seqi…e1:v…` (salt left out when empty). */
export function signaturePayload(value: Bencodable, seq: number, salt?: Uint8Array): Uint8Array {
  const text = new TextEncoder()
  const parts: Uint8Array[] = []
  if (salt !== undefined && salt.length > 0) parts.push(text.encode(`4:salt${salt.length}:`), salt)
  parts.push(text.encode(`3:seqi${seq}e1:v`), encode(value))
  let size = 0
  for (const part of parts) size += part.length
  const out = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export async function signItem(
  signer: ItemSigner,
  value: Bencodable,
  seq: number,
  salt?: Uint8Array,
): Promise<Uint8Array> {
  return signer.sign(signaturePayload(value, seq, salt))
}

export function verifyItem(item: MutableItem): boolean {
  if (item.k.length !== PUBLIC_KEY_SIZE || item.sig.length !== SIGNATURE_SIZE) return false
  try {
    return publicKeyFromRaw(item.k).verify(signaturePayload(item.v, item.seq, item.salt), item.sig) === true
  } catch {
    return false
  }
}

/** Checks the size bounds every item must keep: 205 and 207. */
export function checkSizes(value: Bencodable, salt?: Uint8Array): void {
  const size = encode(value).length
  if (size > MAX_VALUE_SIZE)
    throw new KrpcError(ErrorCode.messageTooBig, `v is ${size} bytes, over ${MAX_VALUE_SIZE}`)
  if (salt !== undefined && salt.length > MAX_SALT_SIZE)
    throw new KrpcError(ErrorCode.saltTooBig, `salt is ${salt.length} bytes, over ${MAX_SALT_SIZE}`)
}

/**
 * Whether a mutable `put` may replace `current` (BEP44): a lower seq is
 * refused (302), the same seq only with the same value; a `cas` must name
 * the stored seq (301). Returns false for an equal item (a refresh).
 */
export function checkReplace(current: MutableItem | undefined, next: MutableItem, cas?: number): boolean {
  if (cas !== undefined && current !== undefined && current.seq !== cas)
    throw new KrpcError(ErrorCode.casMismatch, `cas ${cas} does not match the stored seq ${current.seq}`)
  if (current === undefined) return true
  if (next.seq < current.seq)
    throw new KrpcError(ErrorCode.seqTooLow, `seq ${next.seq} is less than the stored ${current.seq}`)
  if (next.seq === current.seq) {
    if (!equalBytes(encode(next.v), encode(current.v)))
      throw new KrpcError(ErrorCode.seqTooLow, `seq ${next.seq} is not above the stored ${current.seq}`)
    return false
  }
  return true
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}
