/** The harness itself: it must tell a typed error from a crash, or every fuzz test here could never fail. */
import { MalformedMessageError } from '@weft/stun'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { splitAt } from './support/chunks.js'
import { fromHex, toHex } from './support/corpus.js'
import { arbitraryBytes, checkDecode, FuzzFinding, isTypedError } from './support/fuzz.js'

class ParserError extends Error {
  override name = 'ParserError'
}

describe('fuzz harness', () => {
  it('counts package errors as typed and built-in errors as crashes', () => {
    expect(isTypedError(new ParserError('bad'))).toBe(true)
    expect(isTypedError(new MalformedMessageError('bad'))).toBe(true)
    expect(isTypedError(new Error('bad'))).toBe(false)
    expect(isTypedError(new TypeError('bad'))).toBe(false)
    expect(isTypedError(new RangeError('index out of range'))).toBe(false)
    expect(isTypedError('a string')).toBe(false)
    // a subclass that keeps the built-in name cannot be matched on `.name`
    expect(isTypedError(new (class extends RangeError {})('bad'))).toBe(false)
  })

  it('reports a crash with the input as hex', async () => {
    const crash = (bytes: Uint8Array) => new DataView(bytes.buffer).getUint32(bytes.byteLength)
    await expect(checkDecode(crash, Uint8Array.of(0xab, 0xcd))).rejects.toThrow(FuzzFinding)
    await expect(checkDecode(crash, Uint8Array.of(0xab, 0xcd))).rejects.toThrow(/input abcd\n.*RangeError/)
  })

  it('accepts a value or a typed error, and any Error where the call site wraps', async () => {
    await expect(checkDecode(() => 1, new Uint8Array(0))).resolves.toBeUndefined()
    await expect(
      checkDecode(() => Promise.reject(new ParserError('x')), new Uint8Array(0)),
    ).resolves.toBeUndefined()
    const plain = () => {
      throw new Error('from a generated codec')
    }
    await expect(checkDecode(plain, new Uint8Array(0), false)).resolves.toBeUndefined()
    await expect(checkDecode(plain, new Uint8Array(0), true)).rejects.toThrow(FuzzFinding)
  })

  it('generates inputs long enough to pass every header, and short ones too', () => {
    const lengths = fc
      .sample(arbitraryBytes(4096), { numRuns: 500, seed: 1 })
      .map((bytes) => bytes.byteLength)
    expect(lengths.filter((length) => length > 1024).length).toBeGreaterThan(50)
    expect(lengths.filter((length) => length <= 64).length).toBeGreaterThan(100)
  })

  it('reads and writes corpus hex and cuts inputs into chunks', () => {
    expect(toHex(fromHex('00ff10'))).toBe('00ff10')
    expect(() => fromHex('abc')).toThrow(RangeError)
    const chunks = splitAt(Uint8Array.of(1, 2, 3, 4, 5), [3, 1, 8])
    expect(chunks.map((chunk) => [...chunk])).toEqual([[1], [2, 3], [4, 5]])
  })
})
