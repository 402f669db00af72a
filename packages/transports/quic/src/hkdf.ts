/**
 * HKDF (RFC 5869) on node:crypto HMAC, and TLS 1.3's HKDF-Expand-Label and
 * Derive-Secret (RFC 8446 §7.1), which both QUIC packet protection
 * (RFC 9001 §5.1) and the handshake key schedule use.
 */
import { createHash, createHmac } from 'node:crypto'

export type HashName = 'sha256' | 'sha384'

export function hashLength(hash: HashName): number {
  return hash === 'sha256' ? 32 : 48
}

export function hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac(hash, salt).update(ikm).digest())
}

/** HKDF-Expand: `length` bytes of T(1) || T(2) || … */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const size = hashLength(hash)
  if (length > 255 * size) throw new RangeError(`HKDF-Expand cannot give ${length} bytes`)
  const out = new Uint8Array(length)
  let previous = new Uint8Array(0)
  for (let filled = 0, counter = 1; filled < length; counter++) {
    previous = new Uint8Array(
      createHmac(hash, prk).update(previous).update(info).update(Uint8Array.of(counter)).digest(),
    )
    out.set(previous.subarray(0, Math.min(size, length - filled)), filled)
    filled += size
  }
  return out
}

/** The HkdfLabel structure: uint16 length, opaque label<7..255> ("tls13 " + label), opaque context<0..255>. */
export function hkdfLabel(label: string, context: Uint8Array, length: number): Uint8Array {
  const full = new TextEncoder().encode(`tls13 ${label}`)
  const info = new Uint8Array(2 + 1 + full.length + 1 + context.length)
  info[0] = length >>> 8
  info[1] = length & 0xff
  info[2] = full.length
  info.set(full, 3)
  info[3 + full.length] = context.length
  info.set(context, 4 + full.length)
  return info
}

export function hkdfExpandLabel(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  return hkdfExpand(hash, secret, hkdfLabel(label, context, length), length)
}

/** Derive-Secret(secret, label, messages) with the transcript hash already computed. */
export function deriveSecret(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, hashLength(hash))
}

export function digest(hash: HashName, data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(hash).update(data).digest())
}
