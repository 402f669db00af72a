/**
 * `NoiseCrypto` on the audited pure-JS @noble libraries, for runtimes without
 * node:crypto (browsers, workers). Several times slower than OpenSSL.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { KEY_LENGTH, type NoiseCrypto, TAG_LENGTH } from './index.js'

const EMPTY = new Uint8Array(0)

function assertKeyLength(key: Uint8Array, what: string): void {
  if (key.byteLength !== KEY_LENGTH) {
    throw new RangeError(`${what} must be ${KEY_LENGTH} bytes, got ${key.byteLength}`)
  }
}

export const nobleCrypto: NoiseCrypto = {
  sha256(...parts) {
    const hash = sha256.create()
    for (const part of parts) hash.update(part)
    return hash.digest()
  },

  hkdf(chainingKey, inputKeyMaterial) {
    const okm = hkdf(sha256, inputKeyMaterial, chainingKey, EMPTY, 2 * KEY_LENGTH)
    return [okm.subarray(0, KEY_LENGTH), okm.subarray(KEY_LENGTH)]
  },

  generateX25519KeyPair() {
    const { secretKey, publicKey } = x25519.keygen()
    return { privateKey: secretKey, publicKey }
  },

  x25519KeyPairFromPrivateKey(privateKey) {
    assertKeyLength(privateKey, 'an X25519 private key')
    return { privateKey: Uint8Array.from(privateKey), publicKey: x25519.getPublicKey(privateKey) }
  },

  x25519(privateKey, publicKey) {
    assertKeyLength(privateKey, 'an X25519 private key')
    assertKeyLength(publicKey, 'an X25519 public key')
    // noble throws on an all-zero shared secret (a small-order public key)
    return x25519.getSharedSecret(privateKey, publicKey)
  },

  encrypt(key, nonce, associatedData, plaintext, output, offset) {
    const length = plaintext.byteLength + TAG_LENGTH
    const sealed = chacha20poly1305(key, nonce, associatedData).encrypt(plaintext)
    output.set(sealed, offset)
    return length
  },

  decrypt(key, nonce, associatedData, ciphertext) {
    if (ciphertext.byteLength < TAG_LENGTH) return undefined
    try {
      return chacha20poly1305(key, nonce, associatedData).decrypt(ciphertext)
    } catch {
      return undefined
    }
  },
}
