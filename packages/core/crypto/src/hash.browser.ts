/** SHA-256 for browsers, on @noble/hashes: the same export as hash.ts (node:crypto). */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import type { Uint8ArrayList } from 'uint8arraylist'

/** SHA-256 digest of `data`; a Uint8ArrayList is hashed chunk by chunk without copying. */
export function sha256(data: Uint8Array | Uint8ArrayList): Uint8Array {
  if (data instanceof Uint8Array) return nobleSha256(data)
  const hash = nobleSha256.create()
  for (const chunk of data) hash.update(chunk)
  return hash.digest()
}
