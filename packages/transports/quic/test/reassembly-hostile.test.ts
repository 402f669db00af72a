import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_CHUNKS, ReassemblyBuffer, ReassemblyLimitError } from '../src/reassembly-buffer.js'

/** compares bytes natively: element-wise matchers crawl over megabytes */
function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  return Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)
}

/** a stream whose every byte differs from its neighbours, so misplaced bytes show */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let at = 0; at < length; at++) bytes[at] = (at * 7 + (at >>> 8)) & 0xff
  return bytes
}

describe('ReassemblyBuffer against hostile arrival patterns', () => {
  it('refuses one-byte chunks past the piece cap when each leaves a gap, holding no more than the cap', () => {
    const count = 65_535
    const buffer = new ReassemblyBuffer(2 * count + 2)
    const one = new Uint8Array([1])
    let accepted = 0
    let refused = 0
    let mostPieces = 0
    // descending, one byte apart: no two chunks touch, so none can be joined
    for (let index = count; index >= 1; index--) {
      try {
        buffer.insert(2 * index, one)
        accepted++
      } catch (err) {
        if (!(err instanceof ReassemblyLimitError)) throw err
        refused++
      }
      mostPieces = Math.max(mostPieces, buffer.chunks)
    }
    expect(mostPieces).toBe(DEFAULT_MAX_CHUNKS)
    expect(accepted).toBe(DEFAULT_MAX_CHUNKS)
    expect(refused).toBe(count - DEFAULT_MAX_CHUNKS)
    expect(buffer.chunks).toBe(DEFAULT_MAX_CHUNKS)
    expect(buffer.buffered).toBe(DEFAULT_MAX_CHUNKS)
    // a retransmission of a held chunk is no new piece, so it still passes
    expect(() => buffer.insert(2 * (count - DEFAULT_MAX_CHUNKS) + 2, one)).not.toThrow()
    expect(buffer.chunks).toBe(DEFAULT_MAX_CHUNKS)
  })

  it('joins 65 535 touching one-byte chunks sent in descending order into few pieces, then delivers them', () => {
    const count = 65_535
    const stream = pattern(count + 1)
    const buffer = new ReassemblyBuffer(count + 1)
    let mostPieces = 0
    let early = 0
    for (let at = count; at >= 1; at--) {
      early += buffer.insert(at, stream.subarray(at, at + 1)).length
      mostPieces = Math.max(mostPieces, buffer.chunks)
    }
    // joining sizes like a binary counter keeps a logarithmic number of pieces
    expect(early).toBe(0)
    expect(mostPieces).toBeLessThanOrEqual(64)
    expect(buffer.buffered).toBe(count)
    expect(sameBytes(buffer.insert(0, stream.subarray(0, 1)), stream)).toBe(true)
    expect(buffer.chunks).toBe(0)
    expect(buffer.buffered).toBe(0)
  })

  it('holds up to the cap of pieces that cannot be joined, refuses one more, then coalesces all of them', () => {
    // pieces over half the join limit never join, so each one counts
    const size = 8 * 1024 + 1
    const held = DEFAULT_MAX_CHUNKS
    const stream = pattern((held + 1) * size)
    const buffer = new ReassemblyBuffer(stream.length + size * 2)
    // odd pieces descending, then even ones ascending: every arrival is out of order
    const odd = Array.from({ length: held / 2 }, (_, index) => held - 1 - 2 * index)
    const even = Array.from({ length: held / 2 }, (_, index) => 2 * index + 2)
    const order = [...odd, ...even]
    for (const index of order) {
      expect(buffer.insert(index * size, stream.subarray(index * size, (index + 1) * size))).toHaveLength(0)
    }
    expect(buffer.chunks).toBe(held)
    expect(() => buffer.insert(stream.length + 1, new Uint8Array(size))).toThrow(ReassemblyLimitError)
    // retransmissions of held data are no new pieces, so they still pass
    expect(buffer.insert(size, stream.subarray(size, 2 * size))).toHaveLength(0)
    expect(buffer.chunks).toBe(held)
    expect(sameBytes(buffer.insert(0, stream.subarray(0, size)), stream)).toBe(true)
    expect(buffer.offset).toBe(stream.length)
    expect(buffer.chunks).toBe(0)
  })

  it('coalesces 1023 one-byte chunks held out of order when offset 0 arrives', () => {
    const stream = pattern(1024)
    const buffer = new ReassemblyBuffer(1024)
    for (let at = 1023; at >= 1; at -= 2) buffer.insert(at, stream.subarray(at, at + 1))
    for (let at = 2; at < 1024; at += 2) buffer.insert(at, stream.subarray(at, at + 1))
    expect(buffer.buffered).toBe(1023)
    expect(buffer.insert(0, stream.subarray(0, 1))).toEqual(stream)
    expect(buffer.buffered).toBe(0)
  })

  it('when full, still takes data that extends or covers held pieces', () => {
    const stream = pattern(40)
    const buffer = new ReassemblyBuffer(40, 2)
    const put = (start: number, end: number) => buffer.insert(start, stream.subarray(start, end))
    put(10, 11)
    put(20, 21)
    expect(() => put(30, 31)).toThrow(ReassemblyLimitError)
    put(11, 12) // joins the piece on its left
    put(19, 20) // joins the piece on its right
    expect(buffer.chunks).toBe(2)
    expect(buffer.buffered).toBe(4)
    put(5, 25) // replaces both
    expect(buffer.chunks).toBe(1)
    put(30, 31)
    expect(sameBytes(put(0, 5), stream.subarray(0, 25))).toBe(true)
    expect(buffer.chunks).toBe(1)
    expect(buffer.buffered).toBe(1)
  })

  it('rejects a piece cap that is not a positive integer', () => {
    expect(() => new ReassemblyBuffer(100, 0)).toThrow(RangeError)
    expect(() => new ReassemblyBuffer(100, 1.5)).toThrow(RangeError)
  })
})

/** the reference: a byte array filled at offsets, read out from the front */
class Model {
  readonly bytes: Uint8Array
  readonly filled: Uint8Array
  offset = 0

  constructor(length: number) {
    this.bytes = new Uint8Array(length)
    this.filled = new Uint8Array(length)
  }

  insert(start: number, data: Uint8Array): Uint8Array {
    this.bytes.set(data, start)
    this.filled.fill(1, start, start + data.length)
    const from = this.offset
    while (this.offset < this.filled.length && this.filled[this.offset] === 1) this.offset++
    return this.bytes.slice(from, this.offset)
  }

  get buffered(): number {
    let count = 0
    for (let at = this.offset; at < this.filled.length; at++) count += this.filled[at] as number
    return count
  }
}

describe('ReassemblyBuffer against a reference model', () => {
  const chunkSets = fc.record({
    length: fc.integer({ min: 1, max: 3000 }),
    chunks: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 300 })), { minLength: 1, maxLength: 120 }),
    maxChunks: fc.integer({ min: 1, max: 40 }),
  })

  it('reads out the same bytes for any chunks, overlaps and duplicates, and refuses only when full', () => {
    fc.assert(
      fc.property(chunkSets, ({ length, chunks, maxChunks }) => {
        const stream = pattern(length)
        const buffer = new ReassemblyBuffer(length, maxChunks)
        const model = new Model(length)
        for (const [at, size] of chunks) {
          const start = at % length
          const data = stream.subarray(start, start + size)
          let out: Uint8Array
          try {
            out = buffer.insert(start, data)
          } catch (err) {
            expect(err).toBeInstanceOf(ReassemblyLimitError)
            // a refused chunk changes nothing, and only a full buffer refuses
            expect(buffer.chunks).toBe(maxChunks)
            expect(buffer.offset).toBe(model.offset)
            expect(buffer.buffered).toBe(model.buffered)
            continue
          }
          expect(out).toEqual(model.insert(start, data))
          expect(buffer.offset).toBe(model.offset)
          expect(buffer.buffered).toBe(model.buffered)
          expect(buffer.chunks).toBeLessThanOrEqual(maxChunks)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('reads out the whole stream under the default cap, whatever the order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 64 })), { maxLength: 200 }),
        fc.infiniteStream(fc.nat()),
        (length, chunks, noise) => {
          const stream = pattern(length)
          const pieces = chunks.map(([at, size]) => [at % length, size] as const)
          // cover every byte once in small chunks, shuffled among the random ones
          for (let at = 0; at < length; at += 16) pieces.push([at, 16])
          const keys = pieces.map(() => noise.next().value as number)
          const order = pieces
            .map((_, index) => index)
            .sort((a, b) => (keys[a] as number) - (keys[b] as number))
          const buffer = new ReassemblyBuffer(length)
          const model = new Model(length)
          const out: Uint8Array[] = []
          for (const index of order) {
            const [start, size] = pieces[index] as readonly [number, number]
            const data = stream.subarray(start, start + size)
            const got = buffer.insert(start, data)
            expect(got).toEqual(model.insert(start, data))
            out.push(got)
          }
          expect(sameBytes(Buffer.concat(out), stream)).toBe(true)
          expect(buffer.buffered).toBe(0)
          expect(buffer.chunks).toBe(0)
        },
      ),
      { numRuns: 100 },
    )
  })
})
