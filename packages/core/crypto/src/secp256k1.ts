/**
 * secp256k1 keys through @noble/curves. Marshalling per the peer-id spec,
 * "Secp256k1": the public key in the 33-byte compressed SEC form (65-byte
 * uncompressed keys are accepted and re-encoded compressed), the private key
 * as its 32-byte scalar. Signatures are DER-encoded ECDSA over SHA-256 of the
 * message; low-S is produced, and high-S accepted on verification.
 */
import type {
  AbortOptions,
  Secp256k1PrivateKey as Secp256k1PrivateKeyInterface,
  Secp256k1PublicKey as Secp256k1PublicKeyInterface,
} from '@libp2p/interface'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { CID } from 'multiformats/cid'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidPrivateKeyError, InvalidPublicKeyError } from './errors.js'
import { sha256 } from './hash.js'
import { plain, sameKey } from './internal/bytes.js'
import { identityMultihash, keyCID, multihashString } from './internal/key-id.js'
import { encodeKeyMessage } from './key-protobuf.js'

export const PUBLIC_KEY_LENGTH = 33
export const PRIVATE_KEY_LENGTH = 32
/** Longest DER signature: SEQUENCE of two 33-byte INTEGERs. */
const MAX_SIGNATURE_LENGTH = 72

export class Secp256k1PublicKey implements Secp256k1PublicKeyInterface {
  readonly type = 'secp256k1' as const
  /** compressed SEC point, 33 bytes */
  readonly raw: Uint8Array
  #multihash?: MultihashDigest<0x00>

  /** Use {@link secp256k1PublicKeyFromRaw} for bytes that are not known to be a valid point. */
  constructor(raw: Uint8Array) {
    this.raw = raw
  }

  toMultihash(): MultihashDigest<0x00> {
    this.#multihash ??= identityMultihash(encodeKeyMessage(this.type, this.raw))
    return this.#multihash
  }

  toCID(): CID<unknown, 0x72, 0x00, 1> {
    return keyCID(this.toMultihash())
  }

  toString(): string {
    return multihashString(this.toMultihash())
  }

  equals(key?: unknown): boolean {
    return sameKey(this.type, this.raw, key)
  }

  verify(data: Uint8Array | Uint8ArrayList, sig: Uint8Array, options?: AbortOptions): boolean {
    options?.signal?.throwIfAborted()
    if (!(sig instanceof Uint8Array) || sig.byteLength > MAX_SIGNATURE_LENGTH) return false
    try {
      return secp256k1.verify(sig, sha256(data), this.raw, { prehash: false, format: 'der', lowS: false })
    } catch {
      return false
    }
  }
}

export class Secp256k1PrivateKey implements Secp256k1PrivateKeyInterface {
  readonly type = 'secp256k1' as const
  /** the 32-byte scalar */
  readonly raw: Uint8Array
  readonly publicKey: Secp256k1PublicKey

  /** Use {@link secp256k1PrivateKeyFromRaw}. */
  constructor(raw: Uint8Array, publicKey: Secp256k1PublicKey) {
    this.raw = raw
    this.publicKey = publicKey
  }

  equals(key?: unknown): boolean {
    return sameKey(this.type, this.raw, key)
  }

  sign(data: Uint8Array | Uint8ArrayList, options?: AbortOptions): Uint8Array {
    options?.signal?.throwIfAborted()
    return plain(secp256k1.sign(sha256(data), this.raw, { prehash: false, format: 'der' }))
  }
}

/** Imports a compressed (33-byte) or uncompressed (65-byte) point, checked to lie on the curve. */
export function secp256k1PublicKeyFromRaw(raw: Uint8Array): Secp256k1PublicKey {
  if (raw.byteLength !== 33 && raw.byteLength !== 65) {
    throw new InvalidPublicKeyError(
      `expected a secp256k1 public key of 33 or 65 bytes, got ${raw.byteLength}`,
    )
  }
  try {
    const point = secp256k1.Point.fromBytes(raw)
    point.assertValidity()
    return new Secp256k1PublicKey(plain(point.toBytes(true)))
  } catch (err) {
    throw new InvalidPublicKeyError(
      `secp256k1 public key is not a point on the curve: ${(err as Error).message}`,
    )
  }
}

export function secp256k1PrivateKeyFromRaw(raw: Uint8Array): Secp256k1PrivateKey {
  if (raw.byteLength !== PRIVATE_KEY_LENGTH || !secp256k1.utils.isValidSecretKey(raw)) {
    throw new InvalidPrivateKeyError(
      `expected a secp256k1 private key of ${PRIVATE_KEY_LENGTH} bytes in [1, n-1], got ${raw.byteLength} bytes`,
    )
  }
  const secret = raw.slice()
  return new Secp256k1PrivateKey(secret, new Secp256k1PublicKey(plain(secp256k1.getPublicKey(secret, true))))
}

export function generateSecp256k1KeyPair(): Secp256k1PrivateKey {
  return secp256k1PrivateKeyFromRaw(plain(secp256k1.utils.randomSecretKey()))
}
