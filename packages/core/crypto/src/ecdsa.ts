/**
 * ECDSA keys on the NIST curves P-256, P-384 and P-521 through node:crypto.
 * Marshalling per the peer-id spec, "ECDSA" and its test vectors: the public
 * key as DER SubjectPublicKeyInfo, the private key as DER SEC1 ECPrivateKey
 * (RFC 5915; PKCS#8 is accepted on import). Signatures are DER-encoded ECDSA
 * over SHA-256 of the message.
 *
 * The protobuf public key is longer than 42 bytes, so by the spec's rule its
 * multihash is sha2-256, as in go-libp2p and rust-libp2p. (The
 * `@libp2p/interface` type declares an identity multihash here; js-libp2p
 * inlines the key instead.)
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type {
  AbortOptions,
  ECDSAPrivateKey as ECDSAPrivateKeyInterface,
  ECDSAPublicKey as ECDSAPublicKeyInterface,
} from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidParametersError, InvalidPrivateKeyError, InvalidPublicKeyError } from './errors.js'
import { sameKey } from './internal/bytes.js'
import { keyCID, multihashString, sha256Multihash } from './internal/key-id.js'
import {
  exportDer,
  exportJwk,
  signSha256,
  tryPrivateKey,
  tryPublicKey,
  verifySha256,
} from './internal/node-key.js'
import { encodeKeyMessage } from './key-protobuf.js'

export type ECDSACurve = 'P-256' | 'P-384' | 'P-521'

const CURVES_BY_OPENSSL_NAME: Record<string, ECDSACurve> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
}
const OPENSSL_NAMES: Record<ECDSACurve, string> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
}
/** A P-521 DER signature is at most 139 bytes; anything longer is not worth parsing. */
const MAX_SIGNATURE_LENGTH = 160

/**
 * The interface's `toMultihash()`/`toCID()` types promise an identity hash;
 * this class returns the spec's sha2-256 hash, so it implements the rest.
 */
type ECDSAPublicKeyShape = Omit<ECDSAPublicKeyInterface, 'toMultihash' | 'toCID'>

export class ECDSAPublicKey implements ECDSAPublicKeyShape {
  readonly type = 'ECDSA' as const
  /** DER SubjectPublicKeyInfo */
  readonly raw: Uint8Array
  readonly curve: ECDSACurve
  readonly keyObject: KeyObject
  #jwk?: JsonWebKey
  #multihash?: MultihashDigest<0x12>

  /** Use {@link ecdsaPublicKeyFromRaw}. */
  constructor(keyObject: KeyObject, curve: ECDSACurve) {
    this.keyObject = keyObject
    this.curve = curve
    this.raw = exportDer(keyObject, 'spki')
  }

  get jwk(): JsonWebKey {
    this.#jwk ??= exportJwk(this.keyObject)
    return this.#jwk
  }

  toMultihash(): MultihashDigest<0x12> {
    this.#multihash ??= sha256Multihash(encodeKeyMessage(this.type, this.raw))
    return this.#multihash
  }

  toCID(): CID<unknown, 0x72, 0x12, 1> {
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
    return verifySha256(this.keyObject, data, sig)
  }
}

export class ECDSAPrivateKey implements ECDSAPrivateKeyInterface {
  readonly type = 'ECDSA' as const
  /** DER SEC1 ECPrivateKey */
  readonly raw: Uint8Array
  readonly publicKey: ECDSAPublicKeyInterface
  readonly #keyObject: KeyObject
  #jwk?: JsonWebKey

  /** Use {@link ecdsaPrivateKeyFromRaw}. */
  constructor(keyObject: KeyObject, publicKey: ECDSAPublicKey) {
    this.#keyObject = keyObject
    this.raw = exportDer(keyObject, 'sec1')
    this.publicKey = publicKey as unknown as ECDSAPublicKeyInterface
  }

  get jwk(): JsonWebKey {
    this.#jwk ??= exportJwk(this.#keyObject)
    return this.#jwk
  }

  equals(key?: unknown): boolean {
    return sameKey(this.type, this.raw, key)
  }

  sign(data: Uint8Array | Uint8ArrayList, options?: AbortOptions): Uint8Array {
    options?.signal?.throwIfAborted()
    return signSha256(this.#keyObject, data)
  }
}

function curveOf(key: KeyObject): ECDSACurve | undefined {
  if (key.asymmetricKeyType !== 'ec') return undefined
  return CURVES_BY_OPENSSL_NAME[key.asymmetricKeyDetails?.namedCurve ?? '']
}

/** Imports a DER SubjectPublicKeyInfo holding a P-256, P-384 or P-521 key. */
export function ecdsaPublicKeyFromRaw(der: Uint8Array): ECDSAPublicKey {
  const keyObject = tryPublicKey(der, 'spki')
  const curve = keyObject === undefined ? undefined : curveOf(keyObject)
  if (keyObject === undefined || curve === undefined) {
    throw new InvalidPublicKeyError('expected a DER SubjectPublicKeyInfo of a P-256, P-384 or P-521 key')
  }
  return new ECDSAPublicKey(keyObject, curve)
}

/** Imports a DER SEC1 ECPrivateKey (or PKCS#8) holding a P-256, P-384 or P-521 key. */
export function ecdsaPrivateKeyFromRaw(der: Uint8Array): ECDSAPrivateKey {
  const keyObject = tryPrivateKey(der, 'sec1') ?? tryPrivateKey(der, 'pkcs8')
  const curve = keyObject === undefined ? undefined : curveOf(keyObject)
  if (keyObject === undefined || curve === undefined) {
    throw new InvalidPrivateKeyError('expected a DER SEC1 or PKCS#8 private key on P-256, P-384 or P-521')
  }
  return fromPrivateKeyObject(keyObject, curve)
}

export function generateECDSAKeyPair(curve: ECDSACurve = 'P-256'): ECDSAPrivateKey {
  const namedCurve = OPENSSL_NAMES[curve]
  if (namedCurve === undefined) {
    throw new InvalidParametersError(`expected an ECDSA curve of P-256, P-384 or P-521, got ${String(curve)}`)
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve })
  return fromPrivateKeyObject(privateKey, curve)
}

function fromPrivateKeyObject(keyObject: KeyObject, curve: ECDSACurve): ECDSAPrivateKey {
  let publicObject: KeyObject
  try {
    publicObject = createPublicKey(keyObject)
  } catch {
    throw new InvalidPrivateKeyError('ECDSA private key yields no usable public key')
  }
  return new ECDSAPrivateKey(keyObject, new ECDSAPublicKey(publicObject, curve))
}
