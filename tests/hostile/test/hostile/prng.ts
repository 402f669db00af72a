/**
 * A seeded pseudo-random byte source (xorshift32), so every hostile input in
 * the suite is the same on every run and a failure can be replayed.
 */
export class SeededRandom {
  private state: number

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed === 0) throw new RangeError('the seed must be a non-zero integer')
    this.state = seed >>> 0
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    let x = this.state
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    this.state = x
    return x
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i += 4) {
      const value = this.next()
      out[i] = value & 0xff
      if (i + 1 < length) out[i + 1] = (value >>> 8) & 0xff
      if (i + 2 < length) out[i + 2] = (value >>> 16) & 0xff
      if (i + 3 < length) out[i + 3] = value >>> 24
    }
    return out
  }
}
