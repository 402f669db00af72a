/** Byte-array helpers every codec needs; no copies beyond the one asked for. */

/**
 * Joins `chunks` into one fresh buffer (always a copy, even of a single
 * chunk, so the result may be handed on and mutated). Pass `totalLength` when
 * the caller already knows the sum of the chunk lengths, to save a pass; the
 * result is then that long, and chunks that do not fit raise a RangeError.
 */
export function concatBytes(chunks: readonly Uint8Array[], totalLength?: number): Uint8Array {
  let length = totalLength
  if (length === undefined) {
    length = 0
    for (const chunk of chunks) length += chunk.byteLength
  } else if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`totalLength must be a non-negative integer, got ${totalLength}`)
  }
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    if (chunk.byteLength > length - offset) {
      throw new RangeError(`chunks hold more than the totalLength of ${length} bytes`)
    }
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Whether `a` and `b` hold the same bytes (not constant-time: never compare secrets with it). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) {
    if (a[i] !== b[i]) return false
  }
  return true
}
