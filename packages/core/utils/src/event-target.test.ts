import { describe, expect, it, vi } from 'vitest'
import { endOnListenerError, LightEventTarget } from './event-target.js'

interface Events {
  ping: CustomEvent<number>
  pong: Event
}

describe('LightEventTarget', () => {
  it('calls listeners in order, ignores a second add of the same callback, counts per type', () => {
    const target = new LightEventTarget<Events>()
    const calls: string[] = []
    const first = (): void => {
      calls.push('first')
    }
    target.addEventListener('ping', first)
    target.addEventListener('ping', first)
    target.addEventListener('ping', { handleEvent: () => calls.push('object') })
    target.addEventListener('pong', () => calls.push('pong'))
    expect(target.listenerCount('ping')).toBe(2)
    expect(target.listenerCount('pong')).toBe(1)
    expect(target.safeDispatchEvent('ping', { detail: 1 })).toBe(true)
    expect(calls).toEqual(['first', 'object'])
    target.removeEventListener('ping', first)
    expect(target.listenerCount('ping')).toBe(1)
  })

  it('passes the event and binds this to the target', () => {
    const target = new LightEventTarget<Events>()
    let seen: { detail?: number; self?: unknown } = {}
    target.addEventListener('ping', function (this: unknown, evt) {
      seen = { detail: evt.detail, self: this }
    })
    target.safeDispatchEvent('ping', { detail: 42 })
    expect(seen).toEqual({ detail: 42, self: target })
  })

  it('removes once listeners before calling them, and listeners whose signal aborts', () => {
    const target = new LightEventTarget<Events>()
    const once = vi.fn()
    const controller = new AbortController()
    const withSignal = vi.fn()
    target.addEventListener('pong', once, { once: true })
    target.addEventListener('pong', withSignal, { signal: controller.signal })
    target.dispatchEvent(new Event('pong'))
    target.dispatchEvent(new Event('pong'))
    controller.abort()
    target.dispatchEvent(new Event('pong'))
    expect(once).toHaveBeenCalledTimes(1)
    expect(withSignal).toHaveBeenCalledTimes(2)
    expect(target.listenerCount('pong')).toBe(0)
    const late = vi.fn()
    target.addEventListener('pong', late, { signal: controller.signal })
    expect(target.listenerCount('pong')).toBe(0)
  })

  it('skips listeners removed during a dispatch and does not call those added during it', () => {
    const target = new LightEventTarget<Events>()
    const calls: string[] = []
    const second = (): void => {
      calls.push('second')
    }
    const added = (): void => {
      calls.push('added')
    }
    target.addEventListener('pong', () => {
      calls.push('first')
      target.removeEventListener('pong', second)
      target.addEventListener('pong', added)
    })
    target.addEventListener('pong', second)
    target.dispatchEvent(new Event('pong'))
    expect(calls).toEqual(['first'])
    target.dispatchEvent(new Event('pong'))
    expect(calls).toEqual(['first', 'first', 'added'])
  })

  it('stops the remaining listeners on stopImmediatePropagation', () => {
    const target = new LightEventTarget<Events>()
    const later = vi.fn()
    target.addEventListener('pong', (evt) => evt.stopImmediatePropagation())
    target.addEventListener('pong', later)
    target.dispatchEvent(new Event('pong'))
    expect(later).not.toHaveBeenCalled()
  })

  it('reports a throwing listener as uncaught and still calls the others', async () => {
    const target = new LightEventTarget<Events>()
    const later = vi.fn()
    const boom = new Error('boom')
    target.addEventListener('pong', () => {
      throw boom
    })
    target.addEventListener('pong', later)
    // vitest fails a test on uncaught errors: take this one over while it flies
    const listeners = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    const captured = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve))
    try {
      target.dispatchEvent(new Event('pong'))
      expect(later).toHaveBeenCalledTimes(1)
      expect(await captured).toBe(boom)
    } finally {
      for (const listener of listeners) process.on('uncaughtException', listener)
    }
  })

  it('returns false when a cancelable event was cancelled', () => {
    const target = new LightEventTarget<Events>()
    target.addEventListener('pong', (evt) => evt.preventDefault())
    expect(target.dispatchEvent(new Event('pong', { cancelable: true }))).toBe(false)
  })
})

describe('endOnListenerError', () => {
  /** a session that aborts itself when one of its listeners throws */
  class Session extends LightEventTarget<{ stream: CustomEvent<{ abort(err: Error): void }>; close: Event }> {
    readonly log = { error: vi.fn() }
    aborted: Error | undefined
    abort(err: Error): void {
      this.aborted = err
    }
    protected override onListenerError(err: unknown, event: Event): void {
      endOnListenerError(this, err, event)
    }
  }

  it("a throwing 'stream' listener aborts that stream and leaves the session", () => {
    const session = new Session()
    const stream = { abort: vi.fn() }
    session.addEventListener('stream', () => {
      throw new Error('handler bug')
    })
    session.dispatchEvent(new CustomEvent('stream', { detail: stream }))
    expect(stream.abort).toHaveBeenCalledWith(expect.objectContaining({ message: 'handler bug' }))
    expect(session.aborted).toBeUndefined()
    expect(session.log.error).toHaveBeenCalledOnce()
  })

  it('any other throwing listener aborts the session, with a non-Error wrapped', () => {
    const session = new Session()
    session.addEventListener('close', () => {
      throw 'not an error'
    })
    session.dispatchEvent(new Event('close'))
    expect(session.aborted?.message).toBe('not an error')
  })
})
