import { defaultLogger } from '@weft/utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { InvalidRecordError } from './errors.js'
import { RecordRepublisher, type RecordRepublisherInit } from './record-republisher.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (data: Uint8Array): string => new TextDecoder().decode(data)

function republisher(init: Partial<RecordRepublisherInit> = {}): {
  republisher: RecordRepublisher
  reput: string[]
} {
  const reput: string[] = []
  const stop = new AbortController()
  return {
    reput,
    republisher: new RecordRepublisher({
      interval: 1_000,
      maxRecords: 2,
      reput: async (key, value) => {
        reput.push(`${text(key)}=${text(value)}`)
      },
      stopSignal: () => stop.signal,
      isStarted: () => true,
      log: defaultLogger().forComponent('test'),
      ...init,
    }),
  }
}

describe('RecordRepublisher', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('re-puts every tracked record each interval, the latest value of a key, until stopped', async () => {
    const { republisher: r, reput } = republisher()
    r.track(bytes('/v/a'), bytes('1'))
    r.track(bytes('/v/b'), bytes('2'))
    r.track(bytes('/v/a'), bytes('3'))
    r.start()
    await vi.advanceTimersByTimeAsync(999)
    expect(reput).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(reput).toEqual(['/v/a=3', '/v/b=2'])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(reput).toHaveLength(4)
    r.stop()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(reput).toHaveLength(4)
  })

  it('keeps at most maxRecords, throwing DHTLimitError past it, and frees a place on cancel', () => {
    const { republisher: r } = republisher()
    r.track(bytes('/v/a'), bytes('1'))
    r.track(bytes('/v/b'), bytes('1'))
    expect(() => r.track(bytes('/v/c'), bytes('1'))).toThrow(
      expect.objectContaining({ name: 'DHTLimitError' }),
    )
    r.track(bytes('/v/a'), bytes('2')) // a known key still updates
    r.cancel(bytes('/v/a'))
    r.track(bytes('/v/c'), bytes('1'))
    expect(r.size).toBe(2)
  })

  it('tracks nothing and starts no timer with interval 0', () => {
    const { republisher: r } = republisher({ interval: 0 })
    r.track(bytes('/v/a'), bytes('1'))
    r.start()
    expect(r.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('drops a record its validator now rejects, and keeps one whose put failed otherwise', async () => {
    const { republisher: r } = republisher({
      reput: async (key) => {
        if (text(key) === '/v/stale') throw new InvalidRecordError('expired')
        throw new Error('no peers')
      },
    })
    r.track(bytes('/v/stale'), bytes('1'))
    r.track(bytes('/v/fine'), bytes('1'))
    expect(await r.round()).toBe(0)
    expect(r.size).toBe(1)
  })

  it('runs one round at a time', async () => {
    let release!: () => void
    const { republisher: r, reput } = republisher({
      reput: async (key) => {
        reput.push(text(key))
        await new Promise<void>((resolve) => {
          release = resolve
        })
      },
    })
    r.track(bytes('/v/a'), bytes('1'))
    const first = r.round()
    expect(await r.round()).toBe(0)
    release()
    expect(await first).toBe(1)
    expect(reput).toEqual(['/v/a'])
  })
})
