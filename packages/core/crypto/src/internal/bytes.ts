import { equalBytes } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** One contiguous view of `data`; a Uint8ArrayList is copied only when it has several chunks. */
export function toBytes(data: Uint8Array | Uint8ArrayList): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray()
}

/**
 * A plain Uint8Array with its own memory: node APIs hand back Buffers, often
 * views into a shared pool, which should not leak out of a key object.
 */
export function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes)
}

/** Bytes of an even-length hex string (constants only: no validation beyond length). */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError(`expected an even number of hex digits, got ${hex.length}`)
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.byteLength; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Whether `other` is a key (any implementation) of `type` with these raw bytes. */
export function sameKey(type: string, raw: Uint8Array, other: unknown): boolean {
  if (other === null || typeof other !== 'object') return false
  const candidate = other as { type?: unknown; raw?: unknown }
  return candidate.type === type && candidate.raw instanceof Uint8Array && equalBytes(candidate.raw, raw)
}
