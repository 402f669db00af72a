/** Splitting one input into the chunks a socket might deliver. */

/** Cuts `bytes` at the given offsets (taken modulo its length, sorted), so stream decoders meet partial headers. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  if (bytes.byteLength === 0) return [bytes]
  const points = [...new Set(cuts.map((cut) => cut % bytes.byteLength))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let start = 0
  for (const point of points) {
    if (point > start) chunks.push(bytes.subarray(start, point))
    start = Math.max(start, point)
  }
  chunks.push(bytes.subarray(start))
  return chunks
}

/** A fixed cut pattern derived from the input, for targets that take bytes only. */
export function socketChunks(bytes: Uint8Array): Uint8Array[] {
  const cuts: number[] = []
  let at = 0
  // 1, 2, 3, 5, 8, ... byte steps: short chunks first, where headers get split
  for (let step = 1, previous = 1; at < bytes.byteLength && cuts.length < 16; ) {
    at += step
    cuts.push(at)
    ;[step, previous] = [step + previous, step]
  }
  return splitAt(
    bytes,
    cuts.filter((cut) => cut < bytes.byteLength),
  )
}
