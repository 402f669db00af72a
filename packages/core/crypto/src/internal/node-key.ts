/**
 * Shared node:crypto plumbing for the DER-marshalled key types (ECDSA, RSA):
 * parsing DER without letting OpenSSL errors escape, and hash-then-sign over
 * Uint8Array or Uint8ArrayList input.
 */
import {
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto'
import type { Uint8ArrayList } from 'uint8arraylist'
import { plain } from './bytes.js'

export function tryPublicKey(der: Uint8Array, type: 'spki' | 'pkcs1'): KeyObject | undefined {
  try {
    return createPublicKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type,
    })
  } catch {
    return undefined
  }
}

export function tryPrivateKey(der: Uint8Array, type: 'pkcs8' | 'pkcs1' | 'sec1'): KeyObject | undefined {
  try {
    return createPrivateKey({
      key: Buffer.from(der.buffer, der.byteOffset, der.byteLength),
      format: 'der',
      type,
    })
  } catch {
    return undefined
  }
}

/** SHA-256 then sign; ECDSA signatures come out DER-encoded. */
export function signSha256(key: KeyObject, data: Uint8Array | Uint8ArrayList): Uint8Array {
  if (data instanceof Uint8Array) return plain(nodeSign('sha256', data, { key, dsaEncoding: 'der' }))
  const signer = createSign('sha256')
  for (const chunk of data) signer.update(chunk)
  return plain(signer.sign({ key, dsaEncoding: 'der' }))
}

/** SHA-256 then verify; malformed signatures are `false`, never a throw. */
export function verifySha256(
  key: KeyObject,
  data: Uint8Array | Uint8ArrayList,
  signature: Uint8Array,
): boolean {
  try {
    if (data instanceof Uint8Array) return nodeVerify('sha256', data, { key, dsaEncoding: 'der' }, signature)
    const verifier = createVerify('sha256')
    for (const chunk of data) verifier.update(chunk)
    return verifier.verify({ key, dsaEncoding: 'der' }, signature)
  } catch {
    return false
  }
}

export function exportDer(key: KeyObject, type: 'spki' | 'pkcs1' | 'sec1'): Uint8Array {
  return plain(key.export({ format: 'der', type }))
}

export function exportJwk(key: KeyObject): JsonWebKey {
  return key.export({ format: 'jwk' }) as JsonWebKey
}
