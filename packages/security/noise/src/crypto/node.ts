/**
 * `NoiseCrypto` on node:crypto (OpenSSL): ChaCha20-Poly1305 at ~1.5 GB/s per
 * core, X25519 through DER-wrapped raw keys, HKDF-SHA256 through `hkdfSync`.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto'
import { KEY_LENGTH, type NoiseCrypto, TAG_LENGTH, type X25519KeyPair } from './index.js'

// RFC 8410 DER wrappers around a raw X25519 key (OID 1.3.101.110)
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00])
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
])
const EMPTY = new Uint8Array(0)
const CIPHER = 'chacha20-poly1305'

function assertKeyLength(key: Uint8Array, what: string): void {
  if (key.byteLength !== KEY_LENGTH) {
    throw new RangeError(`${what} must be ${KEY_LENGTH} bytes, got ${key.byteLength}`)
  }
}

function wrap(prefix: Uint8Array, key: Uint8Array): Buffer {
  const der = Buffer.allocUnsafe(prefix.byteLength + KEY_LENGTH)
  der.set(prefix, 0)
  der.set(key, prefix.byteLength)
  return der
}

// Importing a raw key into OpenSSL costs far more than the Diffie-Hellman
// itself (~460 µs against ~40 µs), and a handshake uses each key twice or
// more (the static key in every handshake): imported keys are remembered per
// byte array, for as long as that array lives.
const privateKeyObjects = new WeakMap<Uint8Array, KeyObject>()
const publicKeyObjects = new WeakMap<Uint8Array, KeyObject>()

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  let key = privateKeyObjects.get(privateKey)
  if (key == null) {
    assertKeyLength(privateKey, 'an X25519 private key')
    key = createPrivateKey({ key: wrap(PKCS8_PREFIX, privateKey), format: 'der', type: 'pkcs8' })
    privateKeyObjects.set(privateKey, key)
  }
  return key
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  let key = publicKeyObjects.get(publicKey)
  if (key == null) {
    assertKeyLength(publicKey, 'an X25519 public key')
    key = createPublicKey({ key: wrap(SPKI_PREFIX, publicKey), format: 'der', type: 'spki' })
    publicKeyObjects.set(publicKey, key)
  }
  return key
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return new Uint8Array(der.buffer, der.byteOffset + SPKI_PREFIX.byteLength, KEY_LENGTH)
}

export const nodeCrypto: NoiseCrypto = {
  sha256(...parts) {
    const hash = createHash('sha256')
    for (const part of parts) hash.update(part)
    return hash.digest()
  },

  hkdf(chainingKey, inputKeyMaterial) {
    const okm = new Uint8Array(hkdfSync('sha256', inputKeyMaterial, chainingKey, EMPTY, 2 * KEY_LENGTH))
    return [okm.subarray(0, KEY_LENGTH), okm.subarray(KEY_LENGTH)]
  },

  generateX25519KeyPair(): X25519KeyPair {
    // generating inside OpenSSL avoids importing the ephemeral key afterwards
    const pair = generateKeyPairSync('x25519')
    const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' })
    const privateKey = Uint8Array.from(der.subarray(PKCS8_PREFIX.byteLength))
    privateKeyObjects.set(privateKey, pair.privateKey)
    return { privateKey, publicKey: rawPublicKey(pair.privateKey) }
  },

  x25519KeyPairFromPrivateKey(privateKey) {
    const copy = Uint8Array.from(privateKey)
    const key = privateKeyObject(copy)
    return { privateKey: copy, publicKey: rawPublicKey(key) }
  },

  x25519(privateKey, publicKey) {
    // OpenSSL refuses an all-zero shared secret (a small-order public key)
    return diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) })
  },

  encrypt(key, nonce, associatedData, plaintext, output, offset) {
    const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_LENGTH })
    if (associatedData != null) cipher.setAAD(associatedData, { plaintextLength: plaintext.byteLength })
    const body = cipher.update(plaintext)
    cipher.final()
    output.set(body, offset)
    output.set(cipher.getAuthTag(), offset + body.byteLength)
    return body.byteLength + TAG_LENGTH
  },

  decrypt(key, nonce, associatedData, ciphertext) {
    if (ciphertext.byteLength < TAG_LENGTH) return undefined
    const bodyLength = ciphertext.byteLength - TAG_LENGTH
    const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_LENGTH })
    if (associatedData != null) decipher.setAAD(associatedData, { plaintextLength: bodyLength })
    decipher.setAuthTag(ciphertext.subarray(bodyLength))
    const plaintext = decipher.update(ciphertext.subarray(0, bodyLength))
    try {
      decipher.final()
    } catch {
      return undefined
    }
    return plaintext
  },
}
