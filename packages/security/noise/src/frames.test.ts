import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { CipherState } from './cipher-state.js'
import { nobleCrypto } from './crypto/noble.js'
import { nodeCrypto } from './crypto/node.js'
import { DecryptionError, InvalidFrameError } from './errors.js'
import { encryptedLength, encryptFrames, FrameDecoder, JOIN_BELOW, MAX_PLAINTEXT_LENGTH } from './frames.js'

const key = new Uint8Array(32).fill(5)
const pattern = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff)

function ciphers(): [CipherState, FrameDecoder] {
  return [new CipherState(nodeCrypto, key), new FrameDecoder(new CipherState(nodeCrypto, key))]
}

/** The lengths in the 2-byte prefixes of consecutive frames. */
function frameLengths(list: Uint8ArrayList): number[] {
  const wire = list.subarray()
  const lengths: number[] = []
  let offset = 0
  while (offset < wire.byteLength) {
    const length = (wire[offset]! << 8) | wire[offset + 1]!
    lengths.push(length)
    offset += 2 + length
  }
  expect(offset).toBe(wire.byteLength)
  return lengths
}

describe('noise transport frames', () => {
  it('splits plaintext into frames of at most 65535 bytes', () => {
    const [sender] = ciphers()
    const data = pattern(2 * MAX_PLAINTEXT_LENGTH + 10)
    const wire = encryptFrames(sender, data)
    expect(frameLengths(wire)).toEqual([65535, 65535, 26])
    expect(wire.byteLength).toBe(encryptedLength(data.byteLength))
  })

  it('round-trips frames fed a few bytes at a time', () => {
    const [sender, decoder] = ciphers()
    const data = pattern(70_000)
    const wire = encryptFrames(sender, new Uint8ArrayList(data.subarray(0, 5), data.subarray(5))).subarray()
    const received = new Uint8ArrayList()
    let mostBuffered = 0
    for (let i = 0; i < wire.byteLength; i += 7) {
      received.append(decoder.push(wire.subarray(i, i + 7)))
      mostBuffered = Math.max(mostBuffered, decoder.bufferedBytes)
    }
    expect(mostBuffered).toBeLessThanOrEqual(65537)
    expect(received.subarray()).toEqual(data)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('decrypts many frames from one chunk', () => {
    const [sender, decoder] = ciphers()
    const wire = new Uint8ArrayList()
    for (let i = 0; i < 10; i++) wire.append(encryptFrames(sender, pattern(100 + i)))
    expect(decoder.push(wire).byteLength).toBe(10 * 100 + 45)
  })

  it('accepts empty frames', () => {
    const [sender, decoder] = ciphers()
    const wire = encryptFrames(sender, new Uint8Array(0))
    expect(frameLengths(wire)).toEqual([16])
    expect(decoder.push(wire).byteLength).toBe(0)
  })

  it('rejects a frame shorter than a tag', () => {
    const [, decoder] = ciphers()
    expect(() => decoder.push(Uint8Array.from([0, 15, ...new Array(15).fill(0)]))).toThrow(InvalidFrameError)
  })

  it('rejects a tampered, replayed or reordered frame with DecryptionError', () => {
    const [sender, decoder] = ciphers()
    const first = encryptFrames(sender, pattern(50))
    const second = encryptFrames(sender, pattern(50))
    const tampered = Uint8Array.from(first.subarray())
    tampered[10]! ^= 1
    expect(() => ciphers()[1].push(tampered)).toThrow(DecryptionError)
    expect(() => ciphers()[1].push(second)).toThrow(DecryptionError)
    decoder.push(first)
    expect(() => decoder.push(first)).toThrow(DecryptionError)
  })

  it('sends a large frame as prefix, ciphertext pieces and tag without joining them', () => {
    const [sender, decoder] = ciphers()
    const a = pattern(30_000)
    const b = pattern(50_000)
    const wire = encryptFrames(sender, new Uint8ArrayList(a, b))
    // frame 1: prefix, ciphertext of a, ciphertext of b's head, tag; frame 2: prefix, ciphertext, tag
    expect([...wire].map((chunk) => chunk.byteLength)).toEqual([
      2,
      30_000,
      MAX_PLAINTEXT_LENGTH - 30_000,
      16,
      2,
      80_000 - MAX_PLAINTEXT_LENGTH,
      16,
    ])
    expect(frameLengths(wire)).toEqual([65535, 80_000 - MAX_PLAINTEXT_LENGTH + 16])
    const received = decoder.push(wire)
    expect(received.subarray()).toEqual(new Uint8ArrayList(a, b).subarray())
  })

  it('opens large frames split anywhere across socket chunks, the tag included', () => {
    const data = pattern(3 * MAX_PLAINTEXT_LENGTH)
    for (const cut of [1, 2, 3, 1000, MAX_PLAINTEXT_LENGTH + 2 - 8, MAX_PLAINTEXT_LENGTH + 2, 65_537]) {
      const [sender, decoder] = ciphers()
      const wire = encryptFrames(sender, data).subarray()
      const received = new Uint8ArrayList()
      for (let i = 0; i < wire.byteLength; i += cut) received.append(decoder.push(wire.subarray(i, i + cut)))
      expect(received.byteLength).toBe(data.byteLength)
      expect(received.subarray()).toEqual(data)
    }
  })

  it('rejects a tampered large frame, whether the tag or the body was changed', () => {
    const [sender] = ciphers()
    const wire = encryptFrames(sender, pattern(JOIN_BELOW * 2)).subarray()
    for (const index of [5, wire.byteLength - 1]) {
      const tampered = Uint8Array.from(wire)
      tampered[index]! ^= 1
      const decoder = ciphers()[1]
      expect(() =>
        decoder.push(new Uint8ArrayList(tampered.subarray(0, 100), tampered.subarray(100))),
      ).toThrow(DecryptionError)
    }
  })

  it('interoperates with crypto that has no piecewise fast path (noble)', () => {
    const data = pattern(100_000)
    const nodeSender = new CipherState(nodeCrypto, key)
    const nobleDecoder = new FrameDecoder(new CipherState(nobleCrypto, key))
    expect(nobleDecoder.push(encryptFrames(nodeSender, data)).subarray()).toEqual(data)
    const nobleSender = new CipherState(nobleCrypto, key)
    const nodeDecoder = new FrameDecoder(new CipherState(nodeCrypto, key))
    const wire = encryptFrames(nobleSender, data).subarray()
    const received = new Uint8ArrayList()
    for (let i = 0; i < wire.byteLength; i += 40_000)
      received.append(nodeDecoder.push(wire.subarray(i, i + 40_000)))
    expect(received.subarray()).toEqual(data)
  })
})
