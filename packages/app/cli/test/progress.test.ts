/** The progress view of `weft get`: formatting, plain lines off a terminal, the bar on one. */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { formatBytes, formatRate, plainLine, progressView } from '../src/progress.js'

const MiB = 1024 * 1024

function capture(isTTY: boolean): {
  stream: PassThrough & { isTTY?: boolean; columns?: number }
  text(): string
} {
  const stream: PassThrough & { isTTY?: boolean; columns?: number } = new PassThrough()
  stream.isTTY = isTTY
  stream.columns = 120
  let text = ''
  stream.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk
  })
  return { stream, text: () => text }
}

describe('progress', () => {
  it('formats bytes and rates in binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(5 * MiB + 12_345)).toBe('5.0 MiB')
    expect(formatBytes(3 * 1024 ** 4)).toBe('3.0 TiB')
    expect(formatRate(2.5 * MiB)).toBe('2.5 MiB/s')
    expect(formatRate(Number.NaN)).toBe('0 B/s')
    expect(plainLine({ bytes: MiB, total: 4 * MiB, rate: MiB, peers: 1 })).toBe(
      '1.0 MiB of 4.0 MiB (25%), 1.0 MiB/s, 1 peer',
    )
    expect(plainLine({ bytes: 0, total: 0, rate: 0, peers: 2 })).toBe('0 B of 0 B (100%), 0 B/s, 2 peers')
  })

  it('prints one plain line per interval off a terminal, and the last state at the end', async () => {
    const out = capture(false)
    let now = 0
    const view = progressView({ stream: out.stream, interval: 1000, now: () => now })
    view.update({ bytes: 0, total: 4 * MiB, rate: 0, peers: 0 })
    now = 500
    view.update({ bytes: MiB, total: 4 * MiB, rate: MiB, peers: 1 })
    now = 1000
    view.update({ bytes: 2 * MiB, total: 4 * MiB, rate: MiB, peers: 2 })
    now = 1200
    view.update({ bytes: 4 * MiB, total: 4 * MiB, rate: MiB, peers: 2 })
    view.stop()
    await new Promise((resolve) => setImmediate(resolve))
    expect(out.text()).toBe(
      [
        '0 B of 4.0 MiB (0%), 0 B/s, 0 peers',
        '2.0 MiB of 4.0 MiB (50%), 1.0 MiB/s, 2 peers',
        '4.0 MiB of 4.0 MiB (100%), 1.0 MiB/s, 2 peers',
        '',
      ].join('\n'),
    )
  })

  it('draws a bar with bytes, rate and peers on a terminal', async () => {
    const out = capture(true)
    const view = progressView({ stream: out.stream })
    view.update({ bytes: MiB, total: 4 * MiB, rate: MiB, peers: 1 })
    view.stop({ bytes: 4 * MiB, total: 4 * MiB, rate: 2 * MiB, peers: 3 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(out.text()).toContain(
      `${'\u2588'.repeat(8)}${'\u2591'.repeat(22)} 25% | 1.0 MiB / 4.0 MiB | 1.0 MiB/s | 1 peer | ETA`,
    )
    expect(out.text()).toContain(
      `${'\u2588'.repeat(30)} 100% | 4.0 MiB / 4.0 MiB | 2.0 MiB/s | 3 peers | ETA 0s`,
    )
    expect(out.text()).toMatch(/\n$/)
  })
})
