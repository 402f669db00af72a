/**
 * Ordered reassembly of an offset-addressed byte stream (CRYPTO frames per
 * encryption level, RFC 9000 §19.6; STREAM frames, §2.2): data may arrive
 * out of order, duplicated or overlapping; `insert` returns the bytes that
 * became contiguous. Out-of-order data is bounded by `limit` bytes past the
 * read offset and by `maxChunks` separate pieces; more is the caller's
 * CRYPTO_BUFFER_EXCEEDED or FLOW_CONTROL_ERROR.
 *
 * Pieces are kept sorted by offset and disjoint: retransmitted bytes are not
 * stored twice, and adjacent pieces are joined (see `canJoin`) so that a peer
 * sending many small frames holds few pieces, while a peer leaving a gap
 * between every frame hits `maxChunks` — the heap per piece is what bounds.
 */

export class ReassemblyLimitError extends Error {
  static override name = 'ReassemblyLimitError'
  override name = 'ReassemblyLimitError'
}

/** pieces held out of order unless the constructor says otherwise */
export const DEFAULT_MAX_CHUNKS = 1024

/** largest piece built by joining: bounds the bytes one join copies */
const JOIN_LIMIT = 16 * 1024
const MIN_CAPACITY = 64

/** bytes [start, end) live in `bytes[0 .. end - start)`; the rest is room to append */
interface Piece {
  start: number
  end: number
  bytes: Uint8Array
}

export class ReassemblyBuffer {
  /** everything before this offset was delivered */
  offset = 0
  /** pending pieces past `offset`, sorted by start, none overlapping */
  private pieces: Piece[] = []
  private pendingBytes = 0

  constructor(
    readonly limit: number,
    readonly maxChunks = DEFAULT_MAX_CHUNKS,
  ) {
    if (!Number.isSafeInteger(maxChunks) || maxChunks < 1) {
      throw new RangeError(`maxChunks must be a positive integer, got ${maxChunks}`)
    }
  }

  /**
   * Adds `data` at `start`; returns the newly contiguous bytes (maybe empty).
   * After a ReassemblyLimitError the buffer is still consistent.
   */
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
    // one pass, in offset order, over the pieces the delivered range reaches
    let taken = 0
    for (const piece of this.pieces) {
      if (piece.start > next) break
      if (piece.end > next) {
        out.push(piece.bytes.subarray(next - piece.start, piece.end - piece.start))
        next = piece.end
      }
      this.pendingBytes -= piece.end - piece.start
      taken++
    }
    if (taken > 0) this.pieces.splice(0, taken)
    this.offset = next
    return concat(out)
  }

  /** bytes held out of order */
  get buffered(): number {
    return this.pendingBytes
  }

  /** separate pieces held out of order (at most `maxChunks`) */
  get chunks(): number {
    return this.pieces.length
  }

  /** keeps the part of [start, end) no piece holds yet, replacing the pieces it covers */
  private store(start: number, data: Uint8Array): void {
    const pieces = this.pieces
    const end = start + data.length
    let first = firstEndingAfter(pieces, start)
    let from = start
    const overlapped = pieces[first]
    if (overlapped != null && overlapped.start <= start) {
      if (overlapped.end >= end) return // a retransmission of held bytes
      from = overlapped.end
      first++
    }
    let last = first
    while (last < pieces.length && (pieces[last] as Piece).end <= end) last++
    const after = pieces[last]
    const to = after != null && after.start < end ? after.start : end
    if (to <= from) return
    const piece: Piece = { start: from, end: to, bytes: data.slice(from - start, to - start) }
    const before = pieces[first - 1]
    const count = pieces.length - (last - first) + 1
    // refuse before changing anything, unless a join keeps the count in bounds
    if (
      count > this.maxChunks &&
      !(before != null && canJoin(before, piece)) &&
      !(after != null && canJoin(piece, after))
    ) {
      throw new ReassemblyLimitError(`more than ${this.maxChunks} separate pieces held out of order`)
    }
    for (let index = first; index < last; index++) {
      const covered = pieces[index] as Piece
      this.pendingBytes -= covered.end - covered.start
    }
    pieces.splice(first, last - first, piece)
    this.pendingBytes += to - from
    this.joinAround(first)
  }

  /** joins the piece at `index` with its neighbours while `canJoin` allows */
  private joinAround(index: number): void {
    const pieces = this.pieces
    let at = index
    for (;;) {
      const current = pieces[at] as Piece
      const before = pieces[at - 1]
      if (before != null && canJoin(before, current)) {
        append(before, current)
        pieces.splice(at, 1)
        at--
        continue
      }
      const after = pieces[at + 1]
      if (after != null && canJoin(current, after)) {
        append(current, after)
        pieces.splice(at + 1, 1)
        continue
      }
      return
    }
  }
}

/**
 * Adjacent pieces are joined by copying the right one into the left one's
 * room, only when the right one is at most twice the left one: each copy
 * lands a byte in a piece at least half again larger, so a byte is copied a
 * logarithmic number of times whatever the arrival order.
 */
function canJoin(left: Piece, right: Piece): boolean {
  const leftLength = left.end - left.start
  const rightLength = right.end - right.start
  return left.end === right.start && leftLength + rightLength <= JOIN_LIMIT && rightLength <= 2 * leftLength
}

function append(left: Piece, right: Piece): void {
  const leftLength = left.end - left.start
  const length = leftLength + (right.end - right.start)
  if (length > left.bytes.length) {
    // doubling keeps the copies of the left piece's own bytes linear in total
    const grown = new Uint8Array(Math.min(JOIN_LIMIT, Math.max(2 * length, MIN_CAPACITY)))
    grown.set(left.bytes.subarray(0, leftLength))
    left.bytes = grown
  }
  left.bytes.set(right.bytes.subarray(0, right.end - right.start), leftLength)
  left.end = right.end
}

/** index of the first piece ending after `offset` (pieces are disjoint, so ends are sorted) */
function firstEndingAfter(pieces: Piece[], offset: number): number {
  let low = 0
  let high = pieces.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((pieces[middle] as Piece).end > offset) high = middle
    else low = middle + 1
  }
  return low
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
