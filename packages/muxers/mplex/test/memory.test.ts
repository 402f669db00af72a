import type { Stream } from '@libp2p/interface'
import { CountingMemoryScope, scopesFor, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { type MplexInit, type MplexMuxer, mplex } from '../src/index.js'
import { closed, echo, readAll, until } from './util.js'

const KiB = 1024
const MiB = 1024 * KiB

/** A dialer and a listener whose connection has a counting scope of `limit` bytes. */
function scopedPair(limit: number, init: MplexInit = {}) {
  const [dialerConn, listenerConn] = streamPair()
  const scope = new CountingMemoryScope(limit)
  const dialer = mplex(init)().createStreamMuxer(dialerConn) as MplexMuxer
  const listener = mplex(init)({ resourceManager: scopesFor(listenerConn, scope) }).createStreamMuxer(
    listenerConn,
  ) as MplexMuxer
  return { dialer, listener, scope }
}

function nextInbound(muxer: MplexMuxer): Promise<Stream> {
  return new Promise((resolve) =>
    muxer.addEventListener('stream', ({ detail }) => resolve(detail), { once: true }),
  )
}

describe('mplex reserves memory for unread bytes in the connection scope', () => {
  it('covers what an unread stream buffers, and resets it with the refusal when the scope is full', async () => {
    const { dialer, listener, scope } = scopedPair(1 * MiB)
    const inbound = nextInbound(listener)
    const stream = await dialer.createStream()
    stream.send(new Uint8Array(300 * KiB))
    const remote = await inbound
    remote.pause()
    await until(() => remote.readBufferLength === 300 * KiB)
    // reserved before buffering, in 64 KiB steps
    expect(scope.used).toBeGreaterThanOrEqual(300 * KiB)
    expect(scope.used).toBeLessThan(300 * KiB + 64 * KiB)

    // more than the scope can take: that stream is reset with the scope's error, nothing is held
    const remoteClosed = closed(remote)
    stream.send(new Uint8Array(1 * MiB))
    const event = await remoteClosed
    expect(event.error?.message).toMatch(/over 1048576/)
    expect((await closed(stream)).error?.name).toBe('StreamResetError')
    expect(scope.used).toBe(0)
    expect(scope.peak).toBeLessThanOrEqual(1 * MiB)
    expect(scope.overReleased).toBe(0)
  })

  it('gives back what it reserved as the reader catches up, and holds nothing for a reader that keeps up', async () => {
    const { dialer, listener, scope } = scopedPair(4 * MiB)
    const inbound = nextInbound(listener)
    const stream = await dialer.createStream()
    stream.send(new Uint8Array(200 * KiB))
    const remote = await inbound
    remote.pause()
    await until(() => remote.readBufferLength === 200 * KiB)
    expect(scope.used).toBeGreaterThanOrEqual(200 * KiB)
    const peakWhilePaused = scope.peak

    let received = 0
    remote.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    remote.resume()
    await until(() => received === 200 * KiB)
    expect(scope.used).toBe(0)
    // a listening reader takes every delivery at once: nothing more is reserved
    for (let i = 0; i < 64; i++) stream.send(new Uint8Array(64 * KiB))
    await until(() => received === 200 * KiB + 4 * MiB)
    expect(scope.peak).toBe(peakWhilePaused)
    expect(scope.used).toBe(0)
  })

  it('holds nothing after 100 streams opened and closed, reset or cut by the connection end', async () => {
    const { dialer, listener, scope } = scopedPair(64 * MiB)
    let accepted = 0
    listener.addEventListener('stream', ({ detail }) => {
      accepted++
      // the last five are never read, so their bytes are still buffered when the connection ends
      if (accepted > 95) {
        detail.pause()
        return
      }
      // every fourth stream is read late, so its bytes wait in the buffer first
      if (accepted % 4 === 0) {
        detail.pause()
        setTimeout(() => {
          if (detail.readStatus === 'paused') detail.resume()
          void echo(detail)
        }, 5)
      } else {
        void echo(detail)
      }
    })
    const ends = []
    for (let i = 0; i < 100; i++) {
      const stream = await dialer.createStream()
      const reply = readAll(stream).catch(() => undefined)
      stream.send(new Uint8Array(i % 3 === 0 ? 256 * KiB : 1000))
      if (i % 10 === 9) {
        stream.abort(new Error('reset on purpose'))
        continue
      }
      if (i < 95) ends.push(stream.close().then(async () => reply))
    }
    await Promise.all(ends)
    await until(() => listener.streams.some((stream) => stream.readBufferLength > 0))
    expect(scope.used).toBeGreaterThan(0)
    // five streams are still open when the connection ends
    dialer.abort(new Error('done'))
    await until(() => listener.streams.length === 0)
    expect(scope.used).toBe(0)
    expect(scope.overReleased).toBe(0)
  })
})
