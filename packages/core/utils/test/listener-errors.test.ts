/**
 * Errors that would otherwise escape the stack: a layer below that refuses
 * bytes while a drain flushes queued output, and a listener that throws.
 * Both end the stream they concern; neither reaches the process (vitest fails
 * a test on any uncaught exception, so each case would fail if one did).
 */
import { StreamStateError } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { AbstractMessageStream, logger, type SendResult } from '../src/index.js'

/** A stream over a layer that takes nothing until `drained()`, then refuses once `gone`. */
class BackPressuredStream extends AbstractMessageStream {
  gone = false
  protected sendData(data: { byteLength: number }): SendResult {
    if (this.gone) throw new StreamStateError('cannot write to a stream whose writable end is closing')
    return { sentBytes: data.byteLength, canSendMore: false }
  }
  protected sendReset(): void {}
  async close(): Promise<void> {}
  drained(): void {
    this.onDrained()
  }
  deliver(bytes: Uint8Array): void {
    this.onData(bytes)
  }
}

describe('errors from below and from listeners end the stream, not the process', () => {
  it('a drain that meets a closing layer below aborts the stream with that error', async () => {
    const stream = new BackPressuredStream({ log: logger('test:drain') })
    expect(stream.send(new Uint8Array(10))).toBe(false)
    stream.send(new Uint8Array(10)) // queued behind the back-pressure
    stream.gone = true
    const closed = new Promise<Event & { error?: Error }>((resolve) =>
      stream.addEventListener('close', resolve, { once: true }),
    )
    expect(() => stream.drained()).not.toThrow()
    expect(stream.status).toBe('aborted')
    expect((await closed).error).toBeInstanceOf(StreamStateError)
  })

  it("send()'s own caller still gets the error", () => {
    const stream = new BackPressuredStream({ log: logger('test:send') })
    stream.gone = true
    expect(() => stream.send(new Uint8Array(1))).toThrow(StreamStateError)
    expect(stream.status).toBe('aborted')
  })

  it('a message listener that throws aborts its stream, and later listeners still run', async () => {
    const stream = new BackPressuredStream({ log: logger('test:listener') })
    const later: number[] = []
    stream.addEventListener('message', () => {
      throw new Error('handler bug')
    })
    stream.addEventListener('message', (evt) => later.push(evt.data.byteLength))
    const closed = new Promise<Event & { error?: Error }>((resolve) =>
      stream.addEventListener('close', resolve, { once: true }),
    )
    stream.deliver(new Uint8Array(3))
    expect((await closed).error?.message).toBe('handler bug')
    expect(stream.status).toBe('aborted')
    expect(later).toEqual([3])
  })
})
