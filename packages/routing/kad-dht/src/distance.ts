/**
 * The Kademlia distance metric (libp2p/specs kad-dht/README.md, "Distance"):
 * keys and peer ids are mapped into the 256-bit key space with SHA-256, and
 * the distance of two points is their XOR read as a big-endian integer.
 */
import { sha256 } from '@weft/crypto'

/** Length in bytes of a point in the key space. */
export const KAD_ID_LENGTH = 32

/** The key-space point of `key` (the multihash bytes of a peer id or CID, or a record key). */
export function kadId(key: Uint8Array): Uint8Array {
  return sha256(key)
}

/** XOR of two key-space points. */
export function xorDistance(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength !== b.byteLength) {
    throw new RangeError(`key-space points must have equal lengths, got ${a.byteLength} and ${b.byteLength}`)
  }
  const out = new Uint8Array(a.byteLength)
  for (let i = 0; i < a.byteLength; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** Compares two distances as big-endian integers: negative when `a` < `b`. */
export function compareDistances(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.byteLength; i++) {
    const diff = a[i]! - b[i]!
    if (diff !== 0) return diff
  }
  return 0
}

/** Whether `a` is closer to `target` than `b` is (negative), as far (0) or farther (positive); no allocation. */
export function compareCloseness(target: Uint8Array, a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < target.byteLength; i++) {
    const diff = (a[i]! ^ target[i]!) - (b[i]! ^ target[i]!)
    if (diff !== 0) return diff
  }
  return 0
}

/** Number of leading bits `a` and `b` share (256 when equal). */
export function commonPrefixLength(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.byteLength; i++) {
    const x = a[i]! ^ b[i]!
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return a.byteLength * 8
}
