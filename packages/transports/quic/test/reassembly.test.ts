import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AckTracker } from '../src/ack-tracker.js'
import { decodeFrames } from '../src/frame-decoder.js'
import { encodeFrames } from '../src/frame-encoder.js'
import { ReassemblyBuffer, ReassemblyLimitError } from '../src/reassembly-buffer.js'

describe('ReassemblyBuffer', () => {
  it('delivers in order whatever the arrival order, duplicates and overlaps', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 60 })), { minLength: 1, maxLength: 40 }),
        (stream, cuts) => {
          const pieces = cuts.map(([start, length]) => {
            const at = start % stream.length
            return { at, data: stream.subarray(at, at + length) }
          })
          // make sure everything is covered at least once
          for (let at = 0; at < stream.length; at += 50)
            pieces.push({ at, data: stream.subarray(at, at + 50) })
          const buffer = new ReassemblyBuffer(1024)
          const out: number[] = []
          for (const piece of pieces) out.push(...buffer.insert(piece.at, piece.data))
          expect(Uint8Array.from(out)).toEqual(stream)
          expect(buffer.offset).toBe(stream.length)
          expect(buffer.buffered).toBe(0)
        },
      ),
    )
  })

  it('refuses data beyond its limit', () => {
    const buffer = new ReassemblyBuffer(100)
    expect(() => buffer.insert(90, new Uint8Array(20))).toThrow(ReassemblyLimitError)
    expect(buffer.insert(0, new Uint8Array(100))).toHaveLength(100)
    expect(buffer.insert(150, new Uint8Array(50))).toHaveLength(0)
    expect(buffer.buffered).toBe(50)
  })
})

describe('AckTracker', () => {
  it('turns any arrival order into the right descending ranges, and the ACK frame round-trips', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 300 }), { minLength: 1, maxLength: 120 }), (numbers) => {
        const tracker = new AckTracker(1000)
        for (const pn of numbers) expect(tracker.onReceived(pn, true)).toBe(true)
        expect(tracker.onReceived(numbers[0] as number, true)).toBe(false)
        const frame = tracker.ackFrame()
        if (frame == null) throw new Error('no frame')
        const covered = new Set<number>()
        let previous = Number.POSITIVE_INFINITY
        for (const range of frame.ranges) {
          expect(range.largest).toBeLessThan(previous - 1)
          for (let pn = range.smallest; pn <= range.largest; pn++) covered.add(pn)
          previous = range.smallest
        }
        expect([...covered].sort((a, b) => a - b)).toEqual([...numbers].sort((a, b) => a - b))
        expect(decodeFrames(encodeFrames([frame]))).toEqual([frame])
        expect(tracker.ackPending).toBe(false)
      }),
    )
  })

  it('keeps only the newest ranges', () => {
    const tracker = new AckTracker(2)
    for (const pn of [1, 3, 5, 7]) tracker.onReceived(pn, false)
    expect(tracker.ackPending).toBe(false)
    expect(tracker.ackFrame()?.ranges).toEqual([
      { smallest: 7, largest: 7 },
      { smallest: 5, largest: 5 },
    ])
  })
})
