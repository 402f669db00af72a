import type { StreamPairInit } from '@weft/utils'
import { CountingMemoryScope, scopesFor, streamPair } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { INITIAL_STREAM_WINDOW, type YamuxInit, type YamuxStream, yamux } from '../src/index.js'
import { closed, echo, readAll, tick, writeAll } from './helpers.js'

const KiB = 1024
const MiB = 1024 * KiB

/** Two muxers over a stream pair; each side's connection has its own counting scope. */
function scopedPair(limit: number, init: YamuxInit = {}, pairInit: StreamPairInit = {}) {
  const [clientConn, serverConn] = streamPair(pairInit)
  const clientScope = new CountingMemoryScope(limit)
  const serverScope = new CountingMemoryScope(limit)
  const config = { enableKeepAlive: false, ...init }
  const client = yamux(config)({ resourceManager: scopesFor(clientConn, clientScope) }).createStreamMuxer(
    clientConn,
  )
  const server = yamux(config)({ resourceManager: scopesFor(serverConn, serverScope) }).createStreamMuxer(
    serverConn,
  )
  return { client, server, clientScope, serverScope }
}

function nextInbound(muxer: ReturnType<typeof scopedPair>['server']): Promise<YamuxStream> {
  return new Promise((resolve) =>
    muxer.addEventListener('stream', ({ detail }) => resolve(detail), { once: true }),
  )
}

async function until(check: () => boolean, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await tick(2)
  }
}

describe('yamux reserves receive window memory in the connection scope', () => {
  it('stops growing the window at the limit; an unread stream buffers no more than reserved + 256 KiB', async () => {
    // window growth may use half of 2 MiB: 256 KiB → 512 KiB → 1 MiB (768 KiB reserved), 2 MiB refused
    const { client, server, serverScope } = scopedPair(2 * MiB, {}, { delay: 2 })
    await client.ping()
    await server.ping()
    const inbound = nextInbound(server)
    const stream = await client.createStream()
    const writing = writeAll(stream, new Uint8Array(64 * MiB), 256 * KiB)
    const remote = await inbound
    let received = 0
    remote.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    // a fast reader until the scope refused a growth
    await until(() => serverScope.refusals > 0)
    expect(remote.receiveWindowSize).toBe(1 * MiB)
    expect(serverScope.used).toBe(1 * MiB - INITIAL_STREAM_WINDOW)

    // the reader stops reading: the sender fills the window and waits
    remote.pause()
    let maxBuffered = 0
    for (let i = 0; i < 40; i++) {
      await tick(5)
      maxBuffered = Math.max(maxBuffered, remote.readBufferLength)
    }
    expect(maxBuffered).toBeGreaterThan(0)
    expect(maxBuffered).toBeLessThanOrEqual(serverScope.used + INITIAL_STREAM_WINDOW)
    expect(serverScope.peak).toBeLessThanOrEqual(1 * MiB)
    expect(remote.receiveWindowSize).toBe(1 * MiB)

    remote.resume()
    await writing
    await stream.close()
    await until(() => remote.readableEnded)
    expect(received).toBe(64 * MiB)
    // the remote sends no more and the buffer drained: nothing is held, though the stream is still open
    expect(remote.status).toBe('open')
    expect(serverScope.used).toBe(0)
    await remote.close()
    await closed(stream)
    expect(serverScope.overReleased).toBe(0)
    client.abort(new Error('done'))
  })

  it('grants no larger initial window than the scope allows, and gives back what it reserved', async () => {
    const init = { streamOptions: { initialStreamWindowSize: 1 * MiB } }
    // half of 3 MiB: two streams get their extra 768 KiB, the third starts at 256 KiB
    const { client, server, clientScope } = scopedPair(3 * MiB, init)
    echo(server)
    const streams = [await client.createStream(), await client.createStream(), await client.createStream()]
    expect(streams.map((s) => s.receiveWindowSize)).toEqual([1 * MiB, 1 * MiB, INITIAL_STREAM_WINDOW])
    expect(clientScope.used).toBe(2 * (1 * MiB - INITIAL_STREAM_WINDOW))
    for (const s of streams) {
      const reply = readAll(s)
      s.send(new Uint8Array(100))
      await s.close()
      expect((await reply).byteLength).toBe(100)
    }
    await until(() => streams.every((s) => s.status === 'closed'))
    expect(clientScope.used).toBe(0)
    expect(clientScope.overReleased).toBe(0)
    client.abort(new Error('done'))
  })

  it('holds nothing after 100 streams opened and closed, reset or cut by the session end', async () => {
    const { client, server, clientScope, serverScope } = scopedPair(64 * MiB, {}, { delay: 1 })
    await client.ping()
    await server.ping()
    echo(server)
    const ends = []
    for (let i = 0; i < 100; i++) {
      const stream = await client.createStream()
      const reply = readAll(stream).catch(() => new Uint8Array(0))
      if (i % 10 === 9) {
        stream.abort(new Error('reset on purpose'))
        continue
      }
      stream.send(new Uint8Array(i % 3 === 0 ? 2 * MiB : 1000))
      if (i < 95) ends.push(stream.close().then(async () => reply))
    }
    await Promise.all(ends)
    // windows grew meanwhile, so something was reserved
    expect(Math.max(clientScope.peak, serverScope.peak)).toBeGreaterThan(0)
    // five streams are still open when the session ends
    client.abort(new Error('done'))
    await until(() => client.streams.length === 0 && server.streams.length === 0)
    expect(clientScope.used).toBe(0)
    expect(serverScope.used).toBe(0)
    expect(clientScope.overReleased + serverScope.overReleased).toBe(0)
  })

  it('gives back a grown window when the remote resets the stream or the session ends', async () => {
    const { client, server, serverScope } = scopedPair(64 * MiB, {}, { delay: 2 })
    await client.ping()
    await server.ping()
    const grown = async (): Promise<[YamuxStream, YamuxStream]> => {
      const inbound = nextInbound(server)
      const stream = await client.createStream()
      writeAll(stream, new Uint8Array(64 * MiB), 256 * KiB).catch(() => {})
      const remote = await inbound
      remote.addEventListener('message', () => {})
      await until(() => remote.receiveWindowSize >= 1 * MiB)
      return [stream, remote]
    }
    const [first, firstRemote] = await grown()
    const held = serverScope.used
    expect(held).toBeGreaterThanOrEqual(1 * MiB - INITIAL_STREAM_WINDOW)
    first.abort(new Error('reset on purpose'))
    await until(() => firstRemote.status === 'reset')
    expect(serverScope.used).toBe(0)

    const [, secondRemote] = await grown()
    expect(serverScope.used).toBeGreaterThan(0)
    client.abort(new Error('done'))
    await until(() => secondRemote.status !== 'open')
    expect(serverScope.used).toBe(0)
    expect(serverScope.overReleased).toBe(0)
  })

  it('reserves nothing for a reader that keeps up within the first window', async () => {
    const { client, server, serverScope } = scopedPair(64 * MiB)
    echo(server)
    const stream = await client.createStream()
    const reply = readAll(stream)
    stream.send(new Uint8Array(100 * KiB))
    await stream.close()
    expect((await reply).byteLength).toBe(100 * KiB)
    expect(serverScope.peak).toBe(0)
    client.abort(new Error('done'))
  })
})
