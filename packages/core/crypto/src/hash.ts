/** SHA-256 through node:crypto (OpenSSL), used for signatures and RSA peer ids. */
import { createHash } from 'node:crypto'
import type { Uint8ArrayList } from 'uint8arraylist'
import { plain } from './internal/bytes.js'

/** SHA-256 digest of `data`; a Uint8ArrayList is hashed chunk by chunk without copying. */
export function sha256(data: Uint8Array | Uint8ArrayList): Uint8Array {
  const hash = createHash('sha256')
  if (data instanceof Uint8Array) {
    hash.update(data)
  } else {
    for (const chunk of data) hash.update(chunk)
  }
  return plain(hash.digest())
}
