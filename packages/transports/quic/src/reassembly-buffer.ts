/**
 * Ordered reassembly of an offset-addressed byte stream (CRYPTO frames per
 * encryption level, RFC 9000 §19.6; STREAM frames, §2.2): data may arrive
 * out of order, duplicated or overlapping; `insert` returns the bytes that
 * became contiguous. Out-of-order data is bounded by `limit` bytes past the
 * read offset; more is the caller's CRYPTO_BUFFER_EXCEEDED or
 * FLOW_CONTROL_ERROR.
 */

export class ReassemblyLimitError extends Error {
  static override name = 'ReassemblyLimitError'
  override name = 'ReassemblyLimitError'
}

export class ReassemblyBuffer {
  /** everything before this offset was delivered */
  offset = 0
  /** pending chunks past `offset`, keyed by start, none overlapping */
  private readonly pending = new Map<number, Uint8Array>()
  private pendingBytes = 0

  constructor(readonly limit: number) {}

  /** Adds `data` at `start`; returns the newly contiguous bytes (maybe empty). */
  insert(start: number, data: Uint8Array): Uint8Array {
    const end = start + data.length
    if (end > this.offset + this.limit) {
      throw new ReassemblyLimitError(
        `data up to offset ${end} is more than ${this.limit} bytes past ${this.offset}`,
      )
    }
    if (end <= this.offset || data.length === 0) return new Uint8Array(0)
    if (start > this.offset) {
      this.store(start, data)
      return new Uint8Array(0)
    }
    const chunk = data.subarray(this.offset - start)
    const out: Uint8Array[] = [chunk]
    let next = this.offset + chunk.length
    // pull in stored chunks that now touch the delivered range
    for (;;) {
      let advanced = false
      for (const [pendingStart, pendingData] of this.pending) {
        const pendingEnd = pendingStart + pendingData.length
        if (pendingStart > next) continue
        this.pending.delete(pendingStart)
        this.pendingBytes -= pendingData.length
        if (pendingEnd > next) {
          out.push(pendingData.subarray(next - pendingStart))
          next = pendingEnd
        }
        advanced = true
      }
      if (!advanced) break
    }
    this.offset = next
    return concat(out)
  }

  private store(start: number, data: Uint8Array): void {
    const existing = this.pending.get(start)
    if (existing != null && existing.length >= data.length) return
    if (existing != null) this.pendingBytes -= existing.length
    // overlapping chunks are kept whole, so bound what they hold in total too
    if (this.pendingBytes + data.length > this.limit) {
      if (existing != null) this.pendingBytes += existing.length
      throw new ReassemblyLimitError(`more than ${this.limit} bytes held out of order`)
    }
    this.pending.set(start, data.slice())
    this.pendingBytes += data.length
  }

  /** bytes held out of order */
  get buffered(): number {
    return this.pendingBytes
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return (chunks[0] as Uint8Array).slice()
  let length = 0
  for (const chunk of chunks) length += chunk.length
  const out = new Uint8Array(length)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
