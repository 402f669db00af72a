/**
 * The TLS 1.3 cipher suites weft's QUIC speaks (RFC 8446 §B.4) with the
 * AEAD and header protection cipher each implies (RFC 9001 §5.3, §5.4).
 */
import type { HashName } from './hkdf.js'

export interface CipherSuite {
  /** the TLS code point */
  id: number
  name: 'TLS_AES_128_GCM_SHA256' | 'TLS_CHACHA20_POLY1305_SHA256'
  hash: HashName
  /** node:crypto AEAD name */
  aead: 'aes-128-gcm' | 'chacha20-poly1305'
  keyLength: number
  /** header protection: AES-ECB on the sample, or ChaCha20 keyed by it */
  headerProtection: 'aes-128-ecb' | 'chacha20'
}

export const TLS_AES_128_GCM_SHA256: CipherSuite = Object.freeze({
  id: 0x1301,
  name: 'TLS_AES_128_GCM_SHA256',
  hash: 'sha256',
  aead: 'aes-128-gcm',
  keyLength: 16,
  headerProtection: 'aes-128-ecb',
})

export const TLS_CHACHA20_POLY1305_SHA256: CipherSuite = Object.freeze({
  id: 0x1303,
  name: 'TLS_CHACHA20_POLY1305_SHA256',
  hash: 'sha256',
  aead: 'chacha20-poly1305',
  keyLength: 32,
  headerProtection: 'chacha20',
})

/** In our order of preference. */
export const CIPHER_SUITES: readonly CipherSuite[] = [TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256]

export function cipherSuiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((suite) => suite.id === id)
}

/** Every AEAD here has a 16-byte tag and a 12-byte nonce. */
export const AEAD_TAG_LENGTH = 16
export const AEAD_NONCE_LENGTH = 12
