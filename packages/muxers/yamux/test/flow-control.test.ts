import type { Stream } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import type { YamuxStream } from '../src/index.js'
import { echo, muxerPair, pattern, readAll, tick, writeAll } from './helpers.js'

const KiB = 1024
const MiB = 1024 * KiB

function nextInbound(muxer: ReturnType<typeof muxerPair>['server']): Promise<YamuxStream> {
  return new Promise((resolve) =>
    muxer.addEventListener('stream', ({ detail }) => resolve(detail), { once: true }),
  )
}

describe('yamux flow control', () => {
  it('stops a writer whose reader is paused: the receiver buffers at most one window', async () => {
    const { client, server } = muxerPair()
    const inbound = nextInbound(server)
    const stream = await client.createStream()
    const data = pattern(8 * MiB, 3)
    const writing = writeAll(stream, data)
    const remote = await inbound
    remote.pause()

    let maxBuffered = 0
    for (let i = 0; i < 20; i++) {
      await tick(5)
      maxBuffered = Math.max(maxBuffered, remote.readBufferLength)
    }
    // the remote granted 256 KiB and nothing more while paused
    expect(maxBuffered).toBeLessThanOrEqual(256 * KiB)
    expect(remote.readBufferLength).toBe(256 * KiB)
    expect(stream.sendWindowSize).toBe(0)
    expect(stream.writableNeedsDrain).toBe(true)

    // reading resumes: everything arrives intact
    remote.resume()
    const received = readAll(remote)
    await writing
    await stream.close()
    expect(Buffer.compare(await received, data)).toBe(0)
    client.abort(new Error('done'))
  })

  it('bounds a slow reader: the sender is held by the window, not buffered on the receiver', async () => {
    const { client, server } = muxerPair({ streamOptions: { maxStreamWindowSize: 512 * KiB } })
    const inbound = nextInbound(server)
    const stream = await client.createStream()
    const data = pattern(4 * MiB, 4)
    const writing = writeAll(stream, data)
    const remote = await inbound
    // a reader that takes what is there every 5 ms and pauses in between
    const chunks: Uint8Array[] = []
    let maxBuffered = 0
    let maxQueuedAtSender = 0
    remote.addEventListener('message', (evt) => {
      chunks.push(evt.data.subarray())
      maxBuffered = Math.max(maxBuffered, remote.readBufferLength + evt.data.byteLength)
      maxQueuedAtSender = Math.max(maxQueuedAtSender, stream.writeBufferLength)
      remote.pause()
      setTimeout(() => {
        if (remote.readStatus === 'paused') remote.resume()
      }, 5)
    })
    const ended = new Promise((resolve) => remote.addEventListener('end', resolve))
    await writing
    await stream.close()
    await ended
    expect(Buffer.compare(Buffer.concat(chunks), data)).toBe(0)
    // what the receiver held never exceeded the largest window it may grant
    expect(maxBuffered).toBeLessThanOrEqual(512 * KiB)
    // meanwhile the rest waited at the sender
    expect(maxQueuedAtSender).toBeGreaterThan(0)
    client.abort(new Error('done'))
  })

  it('reports canSendMore false at a zero window and drains on the Window Update', async () => {
    const { client, server } = muxerPair()
    const inbound = nextInbound(server)
    const stream = await client.createStream()
    expect(stream.send(new Uint8Array(100 * KiB))).toBe(true)
    expect(stream.send(new Uint8Array(200 * KiB))).toBe(false)
    expect(stream.sendWindowSize).toBe(0)
    // 44 KiB could not be sent yet
    expect(stream.writeBufferLength).toBe(44 * KiB)
    const drained = new Promise((resolve) => stream.addEventListener('drain', resolve))
    const remote = await inbound
    remote.addEventListener('message', () => {})
    await drained
    expect(stream.writeBufferLength).toBe(0)
    client.abort(new Error('done'))
  })

  it('grows the window of a fast reader up to maxStreamWindowSize', async () => {
    const { client, server } = muxerPair({ streamOptions: { maxStreamWindowSize: 2 * MiB } }, { delay: 2 })
    await client.ping()
    await server.ping()
    const inbound = nextInbound(server)
    const stream = await client.createStream()
    const writing = writeAll(stream, new Uint8Array(32 * MiB), 256 * KiB)
    const remote = await inbound
    let total = 0
    remote.addEventListener('message', (evt) => {
      total += evt.data.byteLength
    })
    await writing
    await stream.close()
    while (total < 32 * MiB) await tick(5)
    expect(remote.receiveWindowSize).toBe(2 * MiB)
    expect(stream.sendWindowSize).toBeLessThanOrEqual(2 * MiB)
    client.abort(new Error('done'))
  })

  it('keeps granting window after closeRead so the remote writer is not stuck', async () => {
    const { client, server } = muxerPair()
    const inbound = nextInbound(server)
    const stream = await client.createStream()
    const writing = writeAll(stream, new Uint8Array(2 * MiB))
    const remote = await inbound
    await remote.closeRead()
    await writing
    await stream.close()
    expect(remote.readBufferLength).toBe(0)
    client.abort(new Error('done'))
  })

  it('waits for the connection to drain when it is full, for every stream', async () => {
    // a connection that takes 8 KiB at a time
    const { client, server } = muxerPair({}, { capacity: 8 * KiB })
    echo(server)
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const stream = await client.createStream()
        const data = pattern(300 * KiB, 100 + i)
        const reply = readAll(stream)
        await writeAll(stream, data, 32 * KiB)
        await stream.close()
        return Buffer.compare(await reply, data) === 0
      }),
    )
    expect(results.every(Boolean)).toBe(true)
    client.abort(new Error('done'))
  })

  it('reads with for await at its own pace', async () => {
    const { client, server } = muxerPair({ streamOptions: { maxReadBufferLength: 512 * KiB } })
    const inbound = nextInbound(server)
    const stream = await client.createStream()
    const data = pattern(3 * MiB, 9)
    const writing = writeAll(stream, data)
    const remote: Stream = await inbound
    const parts: Uint8Array[] = []
    const reading = (async () => {
      for await (const chunk of remote) {
        parts.push(chunk.subarray())
        await tick(1)
      }
    })()
    await writing
    await stream.close()
    await reading
    expect(Buffer.compare(Buffer.concat(parts), data)).toBe(0)
    expect(remote.readBufferLength).toBe(0)
    // the window never outgrew the read buffer limit
    expect((remote as YamuxStream).receiveWindowSize).toBeLessThanOrEqual(512 * KiB)
    client.abort(new Error('done'))
  })
})
