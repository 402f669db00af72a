/**
 * Sealing a message to one recipient (an anonymous "sealed box"): X25519
 * ephemeral-static Diffie-Hellman (RFC 7748) with the recipient's Ed25519
 * key turned into its Montgomery form (RFC 7748 section 4.1 birational map),
 * HKDF-SHA256 (RFC 5869) for a key and a nonce, ChaCha20-Poly1305 (RFC 8439).
 * A fresh ephemeral key per message makes the key single-use, so the nonce
 * derived with it never repeats. Who sent it is proven by the signature
 * inside, not by the seal.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@weft/utils'
import { SEAL_VERSION, type Sealed, X25519_KEY_LENGTH } from './envelope.js'
import { UnsealFailedError } from './errors.js'

const INFO = new TextEncoder().encode('weft-mqtt-signalling/v1 seal')
const AAD = Uint8Array.of(SEAL_VERSION)

/** The recipient's X25519 public key from its 32-byte Ed25519 public key. */
export function montgomeryPublicKey(ed25519PublicKey: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomery(ed25519PublicKey)
}

/** Our X25519 secret from the 32-byte Ed25519 seed (the first half of a libp2p Ed25519 private key). */
export function montgomerySecret(ed25519Seed: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(ed25519Seed)
}

function derive(
  shared: Uint8Array,
  ephemeralKey: Uint8Array,
  recipientKey: Uint8Array,
): {
  key: Uint8Array
  nonce: Uint8Array
} {
  const okm = hkdf(sha256, shared, undefined, concatBytes([INFO, ephemeralKey, recipientKey]), 44)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) }
}

/** Seals `plaintext` so only the holder of `recipientKey`'s secret opens it. */
export function seal(
  plaintext: Uint8Array,
  recipientKey: Uint8Array,
  ephemeralSecret = x25519.utils.randomSecretKey(),
): Sealed {
  if (recipientKey.byteLength !== X25519_KEY_LENGTH) {
    throw new RangeError(`expected a ${X25519_KEY_LENGTH}-byte X25519 key, got ${recipientKey.byteLength}`)
  }
  const ephemeralKey = x25519.getPublicKey(ephemeralSecret)
  const shared = x25519.getSharedSecret(ephemeralSecret, recipientKey)
  const { key, nonce } = derive(shared, ephemeralKey, recipientKey)
  return {
    version: SEAL_VERSION,
    ephemeralKey,
    ciphertext: chacha20poly1305(key, nonce, AAD).encrypt(plaintext),
  }
}

/** Opens a sealed message with our X25519 secret; `UnsealFailedError` when it does not authenticate. */
export function unseal(sealed: Sealed, secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    const shared = x25519.getSharedSecret(secret, sealed.ephemeralKey)
    const { key, nonce } = derive(shared, sealed.ephemeralKey, publicKey)
    return chacha20poly1305(key, nonce, AAD).decrypt(sealed.ciphertext)
  } catch (err) {
    throw new UnsealFailedError(`the message did not open with our key: ${(err as Error).message}`)
  }
}
