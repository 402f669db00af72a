import { describe, expect, it } from 'vitest'
import { ReceiveWindow } from './receive-window.js'

const KiB = 1024

describe('ReceiveWindow', () => {
  it('accepts data up to the credit and refuses more', () => {
    const window = new ReceiveWindow(256 * KiB, 256 * KiB, 0)
    expect(window.receive(200 * KiB)).toBe(true)
    expect(window.receive(56 * KiB)).toBe(true)
    expect(window.receive(1)).toBe(false)
    expect(window.credit).toBe(0)
  })

  it('grants nothing until half the window was consumed', () => {
    const window = new ReceiveWindow(256 * KiB, 256 * KiB, 0)
    window.receive(127 * KiB)
    expect(window.due(0)).toBe(false)
    expect(window.update(0, 1000, -1, 16 * 1024 * KiB)).toBe(0)
    window.receive(1 * KiB)
    expect(window.due(0)).toBe(true)
    expect(window.update(0, 1000, -1, 16 * 1024 * KiB)).toBe(128 * KiB)
    expect(window.credit).toBe(256 * KiB)
  })

  it('counts unread bytes against the window, so buffered + credit never exceeds it', () => {
    const window = new ReceiveWindow(256 * KiB, 256 * KiB, 0)
    window.receive(256 * KiB)
    // the reader took nothing: nothing is granted
    expect(window.update(256 * KiB, 1000, -1, 1024 * KiB)).toBe(0)
    // it took 200 KiB: 200 KiB are granted
    expect(window.update(56 * KiB, 2000, -1, 1024 * KiB)).toBe(200 * KiB)
    expect(window.credit + 56 * KiB).toBe(256 * KiB)
  })

  it('doubles the window when half of it was read within four round trips', () => {
    const window = new ReceiveWindow(256 * KiB, 256 * KiB, 0)
    window.receive(256 * KiB)
    // 10 ms since the epoch began, rtt 5 ms: faster than 4 rtt, grow
    expect(window.update(0, 10, 5, 1024 * KiB)).toBe(512 * KiB)
    expect(window.size).toBe(512 * KiB)
    expect(window.credit).toBe(512 * KiB)
    window.receive(512 * KiB)
    expect(window.update(0, 20, 5, 1024 * KiB)).toBe(1024 * KiB)
    window.receive(1024 * KiB)
    // capped at the maximum
    expect(window.update(0, 30, 5, 1024 * KiB)).toBe(1024 * KiB)
    expect(window.size).toBe(1024 * KiB)
  })

  it('keeps the window when the reader is slower than four round trips or the rtt is unknown', () => {
    const window = new ReceiveWindow(256 * KiB, 256 * KiB, 0)
    window.receive(256 * KiB)
    expect(window.update(0, 100, 5, 1024 * KiB)).toBe(256 * KiB)
    window.receive(256 * KiB)
    expect(window.update(0, 101, -1, 1024 * KiB)).toBe(256 * KiB)
    expect(window.size).toBe(256 * KiB)
  })

  it('grants the extra initial window at the first update when it starts above the assumed 256 KiB', () => {
    const window = new ReceiveWindow(1024 * KiB, 256 * KiB, 0)
    expect(window.due(0)).toBe(true)
    expect(window.update(0, 1000, -1, 1024 * KiB)).toBe(768 * KiB)
  })

  it('grows only by what `reserve` grants, asking once per doubling', () => {
    const window = new ReceiveWindow(256 * KiB, 256 * KiB, 0)
    const asked: number[] = []
    let budget = 256 * KiB
    const reserve = (bytes: number): boolean => {
      asked.push(bytes)
      if (bytes > budget) return false
      budget -= bytes
      return true
    }
    window.receive(256 * KiB)
    // granted: 256 KiB → 512 KiB, the whole 512 KiB is credit again
    expect(window.update(0, 10, 5, 4096 * KiB, reserve)).toBe(512 * KiB)
    window.receive(512 * KiB)
    // refused: the window stays at 512 KiB and only what was read is granted back
    expect(window.update(0, 20, 5, 4096 * KiB, reserve)).toBe(512 * KiB)
    expect(window.size).toBe(512 * KiB)
    expect(asked).toEqual([256 * KiB, 512 * KiB])
    // not due: not asked
    window.receive(100 * KiB)
    expect(window.update(0, 25, 5, 4096 * KiB, reserve)).toBe(0)
    expect(asked).toHaveLength(2)
  })
})
