/**
 * Structure-aware mutation: start from a valid encoding (a seed) and apply a
 * few byte-level edits, so inputs get past the first checks of a parser and
 * reach its deeper branches, which uniformly random bytes rarely do.
 */
import fc from 'fast-check'

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'repeat'; at: number; count: number }

/** byte values at the edges of length fields, varints and type codes */
const EDGE_BYTES = [0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xfe, 0xff]

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.oneof(fc.constantFrom(...EDGE_BYTES), fc.integer({ min: 0, max: 255 })),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16, size: 'max' }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 32 }) }),
)

function apply(input: Uint8Array, edit: Mutation): Uint8Array {
  const length = input.byteLength
  // positions are taken modulo the current length so every edit lands inside
  const at = length === 0 ? 0 : edit.at % (length + 1)
  switch (edit.kind) {
    case 'flip': {
      if (length === 0) return input
      const out = Uint8Array.from(input)
      out[at % length] = (out[at % length] as number) ^ (1 << edit.bit)
      return out
    }
    case 'set': {
      if (length === 0) return input
      const out = Uint8Array.from(input)
      out[at % length] = edit.value
      return out
    }
    case 'insert':
      return concat(input.subarray(0, at), edit.bytes, input.subarray(at))
    case 'delete':
      return concat(input.subarray(0, at), input.subarray(at + edit.count))
    case 'truncate':
      return input.slice(0, at)
    case 'repeat': {
      const slice = input.subarray(at, at + edit.count)
      return concat(input.subarray(0, at + slice.byteLength), slice, input.subarray(at + slice.byteLength))
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let total = 0
  for (const part of parts) total += part.byteLength
  const out = new Uint8Array(total)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** One of `seeds` with one to eight edits applied. */
export function mutatedSeed(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new RangeError('a mutation needs at least one seed')
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 8 }))
    .map(([seed, edits]) => edits.reduce(apply, seed))
}
