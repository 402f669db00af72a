/**
 * RSA keys through node:crypto. Marshalling per the peer-id spec, "RSA": the
 * public key as DER SubjectPublicKeyInfo (PKIX), the private key as DER
 * PKCS#1 RSAPrivateKey (PKCS#8 accepted on import). Signatures are
 * RSASSA-PKCS1-v1_5 with SHA-256. Keys of 2048 to 8192 bits are accepted.
 */
import { createPublicKey, type KeyObject, generateKeyPair as nodeGenerateKeyPair } from 'node:crypto'
import { promisify } from 'node:util'
import type {
  AbortOptions,
  RSAPrivateKey as RSAPrivateKeyInterface,
  RSAPublicKey as RSAPublicKeyInterface,
} from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidPrivateKeyError, InvalidPublicKeyError, UnsupportedKeySizeError } from './errors.js'
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

export const MIN_RSA_BITS = 2048
export const MAX_RSA_BITS = 8192
export const DEFAULT_RSA_BITS = 2048

const generateRSA = promisify(nodeGenerateKeyPair)

export class RSAPublicKey implements RSAPublicKeyInterface {
  readonly type = 'RSA' as const
  /** DER SubjectPublicKeyInfo */
  readonly raw: Uint8Array
  readonly bits: number
  readonly keyObject: KeyObject
  #jwk?: JsonWebKey
  #multihash?: MultihashDigest<0x12>

  /** Use {@link rsaPublicKeyFromRaw}. */
  constructor(keyObject: KeyObject) {
    this.keyObject = keyObject
    this.bits = checkedBits(keyObject)
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
    // A PKCS#1 v1.5 signature is exactly as long as the modulus.
    if (!(sig instanceof Uint8Array) || sig.byteLength !== Math.ceil(this.bits / 8)) return false
    return verifySha256(this.keyObject, data, sig)
  }
}

export class RSAPrivateKey implements RSAPrivateKeyInterface {
  readonly type = 'RSA' as const
  /** DER PKCS#1 RSAPrivateKey */
  readonly raw: Uint8Array
  readonly publicKey: RSAPublicKey
  readonly #keyObject: KeyObject
  #jwk?: JsonWebKey

  /** Use {@link rsaPrivateKeyFromRaw}. */
  constructor(keyObject: KeyObject) {
    this.#keyObject = keyObject
    this.publicKey = new RSAPublicKey(createPublicKey(keyObject))
    this.raw = exportDer(keyObject, 'pkcs1')
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

function checkedBits(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS)
    throw new UnsupportedKeySizeError(bits, MIN_RSA_BITS, MAX_RSA_BITS)
  return bits
}

/** Imports a DER SubjectPublicKeyInfo of an RSA key (2048 to 8192 bits). */
export function rsaPublicKeyFromRaw(der: Uint8Array): RSAPublicKey {
  const keyObject = tryPublicKey(der, 'spki')
  if (keyObject?.asymmetricKeyType !== 'rsa') {
    throw new InvalidPublicKeyError('expected a DER SubjectPublicKeyInfo of an RSA key')
  }
  return new RSAPublicKey(keyObject)
}

/** Imports a DER PKCS#1 (or PKCS#8) RSA private key (2048 to 8192 bits). */
export function rsaPrivateKeyFromRaw(der: Uint8Array): RSAPrivateKey {
  const keyObject = tryPrivateKey(der, 'pkcs1') ?? tryPrivateKey(der, 'pkcs8')
  if (keyObject?.asymmetricKeyType !== 'rsa') {
    throw new InvalidPrivateKeyError('expected a DER PKCS#1 RSA private key')
  }
  checkedBits(keyObject)
  return new RSAPrivateKey(keyObject)
}

/** Generates an RSA key pair off the main thread (node's libuv pool). */
export async function generateRSAKeyPair(
  bits: number = DEFAULT_RSA_BITS,
  options?: AbortOptions,
): Promise<RSAPrivateKey> {
  if (!Number.isInteger(bits) || bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw new UnsupportedKeySizeError(bits, MIN_RSA_BITS, MAX_RSA_BITS)
  }
  options?.signal?.throwIfAborted()
  const { privateKey } = await generateRSA('rsa', { modulusLength: bits, publicExponent: 0x10001 })
  options?.signal?.throwIfAborted()
  return new RSAPrivateKey(privateKey)
}
