/**
 * Key generation and the conversions between key objects and their
 * marshalled forms: the spec's protobuf messages, raw bytes and multihashes.
 */
import type {
  AbortOptions,
  ECDSAPrivateKey,
  Ed25519PrivateKey,
  Ed25519PublicKey,
  KeyType,
  PrivateKey,
  PublicKey,
  RSAPrivateKey,
  Secp256k1PrivateKey,
  Secp256k1PublicKey,
} from '@libp2p/interface'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import {
  type ECDSACurve,
  ecdsaPrivateKeyFromRaw,
  ecdsaPublicKeyFromRaw,
  generateECDSAKeyPair,
} from './ecdsa.js'
import {
  ed25519PrivateKeyFromRaw,
  ed25519PrivateKeyFromSeed,
  ed25519PublicKeyFromRaw,
  generateEd25519KeyPair,
} from './ed25519.js'
import {
  InvalidMultihashError,
  InvalidPrivateKeyError,
  InvalidPublicKeyError,
  UnsupportedKeyTypeError,
} from './errors.js'
import { toBytes } from './internal/bytes.js'
import { IDENTITY_CODE } from './internal/key-id.js'
import { tryPrivateKey, tryPublicKey } from './internal/node-key.js'
import { decodeKeyMessage, encodeKeyMessage } from './key-protobuf.js'
import { generateRSAKeyPair, rsaPrivateKeyFromRaw, rsaPublicKeyFromRaw } from './rsa.js'
import {
  generateSecp256k1KeyPair,
  secp256k1PrivateKeyFromRaw,
  secp256k1PublicKeyFromRaw,
} from './secp256k1.js'

/** Longest protobuf public key accepted: an 8192-bit RSA SPKI is about 1.1 KiB. */
export const MAX_PUBLIC_KEY_MESSAGE_LENGTH = 2048
/** Longest protobuf private key accepted: an 8192-bit RSA PKCS#1 key is about 4.7 KiB. */
export const MAX_PRIVATE_KEY_MESSAGE_LENGTH = 8192

/** Creates a new key pair; Ed25519 unless told otherwise. */
export async function generateKeyPair(type?: 'Ed25519', options?: AbortOptions): Promise<Ed25519PrivateKey>
export async function generateKeyPair(type: 'secp256k1', options?: AbortOptions): Promise<Secp256k1PrivateKey>
export async function generateKeyPair(
  type: 'ECDSA',
  curve?: ECDSACurve,
  options?: AbortOptions,
): Promise<ECDSAPrivateKey>
export async function generateKeyPair(
  type: 'RSA',
  bits?: number,
  options?: AbortOptions,
): Promise<RSAPrivateKey>
export async function generateKeyPair(
  type?: KeyType,
  bitsOrCurve?: number | ECDSACurve | AbortOptions,
  options?: AbortOptions,
): Promise<PrivateKey>
export async function generateKeyPair(
  type: KeyType = 'Ed25519',
  bitsOrCurve?: number | ECDSACurve | AbortOptions,
  options?: AbortOptions,
): Promise<PrivateKey> {
  const signal = typeof bitsOrCurve === 'object' ? bitsOrCurve.signal : options?.signal
  signal?.throwIfAborted()
  switch (type) {
    case 'Ed25519':
      return generateEd25519KeyPair()
    case 'secp256k1':
      return generateSecp256k1KeyPair()
    case 'ECDSA':
      return generateECDSAKeyPair(typeof bitsOrCurve === 'string' ? bitsOrCurve : undefined)
    case 'RSA':
      return generateRSAKeyPair(typeof bitsOrCurve === 'number' ? bitsOrCurve : undefined, { signal })
    default:
      throw new UnsupportedKeyTypeError(
        `expected a key type of Ed25519, secp256k1, ECDSA or RSA, got ${String(type)}`,
      )
  }
}

/** Derives an Ed25519 key pair from a 32-byte seed, deterministically. */
export async function generateKeyPairFromSeed(
  type: 'Ed25519',
  seed: Uint8Array,
  options?: AbortOptions,
): Promise<Ed25519PrivateKey> {
  options?.signal?.throwIfAborted()
  if (type !== 'Ed25519') {
    throw new UnsupportedKeyTypeError(`expected key type Ed25519 for a seeded key pair, got ${String(type)}`)
  }
  return ed25519PrivateKeyFromSeed(seed)
}

/** Decodes a protobuf `PublicKey` message (peer-id spec, "Keys"). */
export function publicKeyFromProtobuf(bytes: Uint8Array | Uint8ArrayList): PublicKey {
  const buf = toBytes(bytes)
  if (buf.byteLength > MAX_PUBLIC_KEY_MESSAGE_LENGTH) {
    throw new InvalidPublicKeyError(
      `expected a protobuf public key of at most ${MAX_PUBLIC_KEY_MESSAGE_LENGTH} bytes, got ${buf.byteLength}`,
    )
  }
  const { type, data } = decodeKeyMessage(
    buf,
    (reason) => new InvalidPublicKeyError(`malformed protobuf public key: ${reason}`),
  )
  return publicKeyFromData(type, data)
}

/** Encodes any `PublicKey` (weft's or another implementation's) as the spec's protobuf message. */
export function publicKeyToProtobuf(key: PublicKey): Uint8Array {
  return encodeKeyMessage(key.type, key.raw)
}

/** Decodes a protobuf `PrivateKey` message, the form libp2p keys are stored on disk in. */
export function privateKeyFromProtobuf(bytes: Uint8Array | Uint8ArrayList): PrivateKey {
  const buf = toBytes(bytes)
  if (buf.byteLength > MAX_PRIVATE_KEY_MESSAGE_LENGTH) {
    throw new InvalidPrivateKeyError(
      `expected a protobuf private key of at most ${MAX_PRIVATE_KEY_MESSAGE_LENGTH} bytes, got ${buf.byteLength}`,
    )
  }
  const { type, data } = decodeKeyMessage(
    buf,
    (reason) => new InvalidPrivateKeyError(`malformed protobuf private key: ${reason}`),
  )
  switch (type) {
    case 'Ed25519':
      return ed25519PrivateKeyFromRaw(data)
    case 'secp256k1':
      return secp256k1PrivateKeyFromRaw(data)
    case 'ECDSA':
      return ecdsaPrivateKeyFromRaw(data)
    case 'RSA':
      return rsaPrivateKeyFromRaw(data)
  }
}

export function privateKeyToProtobuf(key: PrivateKey): Uint8Array {
  return encodeKeyMessage(key.type, key.raw)
}

/**
 * Imports a public key from its raw form: 32 bytes are Ed25519, 33 or 65
 * bytes secp256k1, anything else a DER SubjectPublicKeyInfo (RSA or ECDSA).
 */
export function publicKeyFromRaw(bytes: Uint8Array): PublicKey {
  if (bytes.byteLength === 32) return ed25519PublicKeyFromRaw(bytes)
  if (bytes.byteLength === 33 || bytes.byteLength === 65) return secp256k1PublicKeyFromRaw(bytes)
  if (bytes.byteLength > MAX_PUBLIC_KEY_MESSAGE_LENGTH) {
    throw new InvalidPublicKeyError(
      `expected at most ${MAX_PUBLIC_KEY_MESSAGE_LENGTH} bytes, got ${bytes.byteLength}`,
    )
  }
  const keyType = tryPublicKey(bytes, 'spki')?.asymmetricKeyType
  if (keyType === 'rsa') return rsaPublicKeyFromRaw(bytes)
  if (keyType === 'ec') return ecdsaPublicKeyFromRaw(bytes) as unknown as PublicKey
  throw new InvalidPublicKeyError(
    `expected 32 bytes (Ed25519), 33 or 65 bytes (secp256k1) or a DER RSA/ECDSA SubjectPublicKeyInfo, got ${bytes.byteLength} bytes`,
  )
}

/**
 * Imports a private key from its raw form: 64 (or legacy 96) bytes are
 * Ed25519, 32 bytes secp256k1, anything else DER (PKCS#1 RSA, SEC1 ECDSA, or
 * PKCS#8 of either). An Ed25519 seed alone goes to {@link generateKeyPairFromSeed}.
 */
export function privateKeyFromRaw(bytes: Uint8Array): PrivateKey {
  if (bytes.byteLength === 64 || bytes.byteLength === 96) return ed25519PrivateKeyFromRaw(bytes)
  if (bytes.byteLength === 32) return secp256k1PrivateKeyFromRaw(bytes)
  if (bytes.byteLength > MAX_PRIVATE_KEY_MESSAGE_LENGTH) {
    throw new InvalidPrivateKeyError(
      `expected at most ${MAX_PRIVATE_KEY_MESSAGE_LENGTH} bytes, got ${bytes.byteLength}`,
    )
  }
  const keyType = (
    tryPrivateKey(bytes, 'pkcs1') ??
    tryPrivateKey(bytes, 'sec1') ??
    tryPrivateKey(bytes, 'pkcs8')
  )?.asymmetricKeyType
  if (keyType === 'rsa') return rsaPrivateKeyFromRaw(bytes)
  if (keyType === 'ec') return ecdsaPrivateKeyFromRaw(bytes)
  throw new InvalidPrivateKeyError(
    `expected 64 bytes (Ed25519), 32 bytes (secp256k1) or a DER RSA/ECDSA private key, got ${bytes.byteLength} bytes`,
  )
}

/**
 * Extracts the public key inlined in an identity multihash (Ed25519 and
 * secp256k1 peer ids). A sha2-256 multihash holds no key.
 */
export function publicKeyFromMultihash(digest: MultihashDigest): Ed25519PublicKey | Secp256k1PublicKey {
  if (digest.code !== IDENTITY_CODE) {
    throw new InvalidMultihashError(
      `expected an identity multihash (code 0x00) holding a public key, got code 0x${digest.code.toString(16)}`,
    )
  }
  const key = publicKeyFromProtobuf(digest.digest)
  if (key.type !== 'Ed25519' && key.type !== 'secp256k1') {
    throw new InvalidMultihashError(`expected an inlined Ed25519 or secp256k1 key, got ${key.type}`)
  }
  return key
}

function publicKeyFromData(type: KeyType, data: Uint8Array): PublicKey {
  switch (type) {
    case 'Ed25519':
      return ed25519PublicKeyFromRaw(data)
    case 'secp256k1':
      return secp256k1PublicKeyFromRaw(data)
    case 'ECDSA':
      return ecdsaPublicKeyFromRaw(data) as unknown as PublicKey
    case 'RSA':
      return rsaPublicKeyFromRaw(data)
  }
}
