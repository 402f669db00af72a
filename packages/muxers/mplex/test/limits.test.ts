import type { Stream, StreamCloseEvent } from '@libp2p/interface'
import { StreamReader } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { FrameDecoder } from '../src/decoder.js'
import { encodeFrame, MessageType } from '../src/frame.js'
import { closed, echo, muxerPair, pseudoRandomBytes, rawPair, readAll, tick, until } from './util.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: { subarray(): Uint8Array }): string => new TextDecoder().decode(b.subarray())

async function echoWorks(dialer: { createStream(): Promise<Stream> }): Promise<void> {
  const stream = await dialer.createStream()
  const reply = readAll(stream)
  stream.send(text('still alive'))
  await stream.close()
  expect(str(await reply)).toBe('still alive')
}

/** Frames the raw side received, as [id, type] pairs. */
function collectFrames(raw: { addEventListener: Stream['addEventListener'] }): Array<[number, number]> {
  const frames: Array<[number, number]> = []
  const decoder = new FrameDecoder(1 << 20)
  raw.addEventListener('message', (evt) => decoder.decode(evt.data, (id, type) => frames.push([id, type])))
  return frames
}

describe('mplex limits', () => {
  it('resets inbound streams beyond maxInboundStreams', async () => {
    const { dialer, listener } = muxerPair({ listener: { maxInboundStreams: 2 } })
    listener.addEventListener('stream', () => {})
    const streams = await Promise.all([dialer.createStream(), dialer.createStream(), dialer.createStream()])
    const third = await closed(streams[2]!)
    expect(third.error?.name).toBe('StreamResetError')
    expect(listener.streams).toHaveLength(2)
    expect(streams.slice(0, 2).map((s) => s.status)).toEqual(['open', 'open'])
  })

  it('resets streams opened before a listener beyond maxEarlyStreams', async () => {
    const { dialer, listener } = muxerPair({ listener: { maxEarlyStreams: 2 } })
    const streams = await Promise.all([dialer.createStream(), dialer.createStream(), dialer.createStream()])
    expect((await closed(streams[2]!)).error?.name).toBe('StreamResetError')
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    await until(() => accepted.length === 2)
  })

  it('throws TooManyOutboundProtocolStreamsError beyond maxOutboundStreams', async () => {
    const { dialer } = muxerPair({ dialer: { maxOutboundStreams: 1 } })
    await dialer.createStream()
    await expect(dialer.createStream()).rejects.toThrow(
      expect.objectContaining({ name: 'TooManyOutboundProtocolStreamsError' }),
    )
  })

  it('honours an aborted signal in createStream', async () => {
    const { dialer } = muxerPair()
    await expect(dialer.createStream({ signal: AbortSignal.abort() })).rejects.toThrow()
    expect(dialer.streams).toHaveLength(0)
  })

  it('closes the connection on a frame larger than maxMessageSize', async () => {
    const { raw, listener, listenerConn } = rawPair({ maxMessageSize: 1024 })
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    raw.send(encodeFrame(0, MessageType.NewStream, text('0')))
    await until(() => accepted.length === 1)
    const streamClosed = closed(accepted[0]!)
    const connClosed = closed(listenerConn)
    // the session's end is an event of its own (MuxerEvents), with the error that ended it
    const sessionClosed = new Promise<StreamCloseEvent>((resolve) =>
      listener.addEventListener('close', resolve, { once: true }),
    )
    // MessageInitiator on stream 0 announcing 2 MiB: rejected before the body arrives
    raw.send(Uint8Array.from([0x02, 0x80, 0x80, 0x80, 0x01]))
    expect((await connClosed).error?.name).toBe('FrameTooLargeError')
    expect((await streamClosed).error?.name).toBe('FrameTooLargeError')
    expect((await sessionClosed).error?.name).toBe('FrameTooLargeError')
    expect(listener.status).toBe('closed')
    expect(listener.streams).toHaveLength(0)
  })

  it('resets a stream whose unread bytes exceed maxStreamBufferSize; others carry on', async () => {
    const { dialer, listener } = muxerPair({ listener: { maxStreamBufferSize: 64 * 1024 } })
    let count = 0
    listener.addEventListener('stream', ({ detail }) => {
      // the first stream is never read, the others echo
      if (count++ > 0) void echo(detail)
    })
    const idle = await dialer.createStream()
    const idleClosed = closed(idle)
    for (let i = 0; i < 4; i++) idle.send(new Uint8Array(50 * 1024))
    expect((await idleClosed).error?.name).toBe('StreamResetError')
    await echoWorks(dialer)
    expect(listener.status).toBe('open')
  })

  it('a paused stream buffers up to its limit, then is reset', async () => {
    const { dialer, listener } = muxerPair({ listener: { maxStreamBufferSize: 100 * 1024 } })
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    const stream = await dialer.createStream()
    stream.send(new Uint8Array(10))
    await until(() => accepted.length === 1)
    const remote = accepted[0]!
    const chunks: number[] = []
    remote.addEventListener('message', (evt) => chunks.push(evt.data.byteLength))
    await until(() => chunks.length === 1)
    remote.pause()
    stream.send(new Uint8Array(60 * 1024))
    await until(() => remote.readBufferLength === 60 * 1024)
    expect(chunks).toEqual([10])
    remote.resume()
    await until(() => chunks.length === 2)
    expect(chunks[1]).toBe(60 * 1024)
    // mplex cannot ask the sender to stop: past the limit the stream is reset
    remote.pause()
    const resetSeen = closed(stream)
    stream.send(new Uint8Array(60 * 1024))
    stream.send(new Uint8Array(60 * 1024))
    expect((await resetSeen).error?.name).toBe('StreamResetError')
    expect(remote.status).toBe('aborted')
  })

  it('resets the fullest stream when all streams together hold more than maxConnectionBufferSize', async () => {
    const { dialer, listener } = muxerPair({
      listener: { maxStreamBufferSize: 1024 * 1024, maxConnectionBufferSize: 256 * 1024 },
    })
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    const streams = await Promise.all([1, 2, 3, 4].map(async () => dialer.createStream()))
    const events = streams.map(async (s) => closed(s))
    // 3 × 40 KiB, then 200 KiB on the last stream: it holds the most when the total passes 256 KiB
    streams.forEach((s, i) => {
      s.send(new Uint8Array(i < 3 ? 40 * 1024 : 200 * 1024))
    })
    const first = await Promise.race(events.map(async (e, i) => ({ evt: await e, i })))
    expect(first.evt.error?.name).toBe('StreamResetError')
    expect(first.i).toBe(3) // the one holding the most
    await tick()
    const total = accepted.reduce((sum, s) => sum + s.readBufferLength, 0)
    expect(total).toBeLessThanOrEqual(256 * 1024)
    expect(streams.slice(0, 3).map((s) => s.status)).toEqual(['open', 'open', 'open'])
    expect(listener.status).toBe('open')
  })

  it('closes the connection when the remote resets too many of its streams', async () => {
    const { dialer, listener, listenerConn } = muxerPair({
      listener: { maxStreamResets: 5, streamResetWindow: 60_000 },
    })
    listener.addEventListener('stream', () => {})
    const connClosed = closed(listenerConn)
    for (let i = 0; i < 10 && dialer.status === 'open'; i++) {
      const stream = await dialer.createStream()
      stream.abort(new Error('churn'))
      await tick()
    }
    expect((await connClosed).error?.name).toBe('TooManyStreamResetsError')
  })

  it('counts refused streams toward the reset budget', async () => {
    const { raw, listenerConn } = rawPair({ maxInboundStreams: 1, maxStreamResets: 3 })
    const connClosed = closed(listenerConn)
    for (let id = 0; id < 5; id++) raw.send(encodeFrame(id, MessageType.NewStream))
    expect((await connClosed).error?.name).toBe('TooManyStreamResetsError')
  })
})

describe('mplex leniency and hostile input', () => {
  it('ignores frames for unknown streams', async () => {
    const { raw, listener } = rawPair()
    const frames = collectFrames(raw)
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    raw.send(encodeFrame(99, MessageType.MessageInitiator, text('lost')))
    raw.send(encodeFrame(98, MessageType.MessageReceiver, text('lost')))
    raw.send(encodeFrame(97, MessageType.CloseInitiator))
    raw.send(encodeFrame(96, MessageType.ResetReceiver))
    raw.send(encodeFrame(7, MessageType.NewStream, text('seven')))
    raw.send(encodeFrame(7, MessageType.MessageInitiator, text('found')))
    await until(() => accepted.length === 1)
    expect(str(await new StreamReader(accepted[0]!).readExact(5))).toBe('found')
    expect(listener.status).toBe('open')
    // the listener answers on the receiver side of stream 7
    accepted[0]!.send(text('ok'))
    await accepted[0]!.close()
    await until(() => frames.length >= 2)
    expect(frames).toEqual([
      [7, MessageType.MessageReceiver],
      [7, MessageType.CloseReceiver],
    ])
  })

  it('speaks the flags of each role on the wire', async () => {
    const { raw, listener: muxer } = rawPair()
    const frames = collectFrames(raw)
    // streams we open: the Initiator flags
    const ours = await muxer.createStream()
    ours.send(text('a'))
    await ours.close()
    const doomed = await muxer.createStream()
    doomed.abort(new Error('bye'))
    // a stream the remote opens: the Receiver flags
    const theirs = new Promise<Stream>((resolve) =>
      muxer.addEventListener('stream', ({ detail }) => resolve(detail)),
    )
    raw.send(encodeFrame(0, MessageType.NewStream))
    const accepted = await theirs
    accepted.send(text('b'))
    await accepted.close()
    const other = new Promise<Stream>((resolve) =>
      muxer.addEventListener('stream', ({ detail }) => resolve(detail)),
    )
    raw.send(encodeFrame(1, MessageType.NewStream))
    ;(await other).abort(new Error('no'))
    await until(() => frames.length >= 8)
    await tick()
    expect(frames).toEqual([
      [0, MessageType.NewStream],
      [0, MessageType.MessageInitiator],
      [0, MessageType.CloseInitiator],
      [1, MessageType.NewStream],
      [1, MessageType.ResetInitiator],
      [0, MessageType.MessageReceiver],
      [0, MessageType.CloseReceiver],
      [1, MessageType.ResetReceiver],
    ])
  })

  it('hands consecutive data frames of one chunk to the stream as one message', async () => {
    const { raw, listener } = rawPair()
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    raw.send(encodeFrame(0, MessageType.NewStream))
    await until(() => accepted.length === 1)
    const events: string[] = []
    accepted[0]!.addEventListener('message', (evt) => events.push(str(evt.data)))
    raw.send(
      Buffer.concat([
        encodeFrame(0, MessageType.MessageInitiator, text('a')),
        encodeFrame(0, MessageType.MessageInitiator, text('b')),
        encodeFrame(0, MessageType.MessageInitiator, text('c')),
        encodeFrame(5, MessageType.MessageInitiator, text('lost')),
        encodeFrame(0, MessageType.MessageInitiator, text('d')),
      ]),
    )
    await until(() => events.join('') === 'abcd')
    // the frame for an unknown stream is dropped without splitting the run
    expect(events).toEqual(['abcd'])
  })

  it('drops data that arrives after the remote closed the stream', async () => {
    const { raw, listener } = rawPair()
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    raw.send(encodeFrame(0, MessageType.NewStream))
    raw.send(encodeFrame(0, MessageType.MessageInitiator, text('ok')))
    raw.send(encodeFrame(0, MessageType.CloseInitiator))
    raw.send(encodeFrame(0, MessageType.MessageInitiator, text('late')))
    await until(() => accepted.length === 1)
    expect(str(await readAll(accepted[0]!))).toBe('ok')
  })

  it('treats a second NewStream for an open id as a protocol error', async () => {
    const { raw, listenerConn } = rawPair()
    const connClosed = closed(listenerConn)
    raw.send(encodeFrame(3, MessageType.NewStream))
    raw.send(encodeFrame(3, MessageType.NewStream))
    expect((await connClosed).error?.name).toBe('InvalidFrameError')
  })

  it('garbage closes only the connection that sent it, with a typed error', async () => {
    const bad = muxerPair()
    const good = muxerPair()
    good.listener.addEventListener('stream', ({ detail }) => void echo(detail))
    bad.listener.addEventListener('stream', ({ detail }) => void echo(detail))
    const victim = await bad.dialer.createStream()
    const victimClosed = closed(victim)
    const connClosed = closed(bad.listenerConn)
    bad.dialerConn.send(Uint8Array.from([0x07, 0x00, 0xde, 0xad]))
    expect((await connClosed).error?.name).toBe('InvalidFrameError')
    expect((await victimClosed).error).toBeDefined()
    expect(bad.listener.status).toBe('closed')
    await echoWorks(good.dialer)
  })

  it('survives random garbage: any failure is a typed error on that connection', async () => {
    const typed = new Set(['InvalidFrameError', 'FrameTooLargeError', 'TooManyStreamResetsError'])
    for (let seed = 1; seed <= 200; seed++) {
      const { raw, listener, listenerConn } = rawPair({ maxMessageSize: 4096 })
      listener.addEventListener('stream', ({ detail }) => void readAll(detail).catch(() => {}))
      const bytes = pseudoRandomBytes(16 + (seed % 64) * 16, seed)
      for (let offset = 0; offset < bytes.byteLength; offset += 7)
        raw.send(bytes.subarray(offset, offset + 7))
      await tick()
      await tick()
      if (listenerConn.status !== 'open') {
        const evt = await closed(listenerConn)
        if (evt.error != null) expect(typed.has(evt.error.name)).toBe(true)
      }
      raw.abort(new Error('done'))
    }
  })

  it('aborting the connection closes every stream with an error, on both sides', async () => {
    const { dialer, listener, dialerConn } = muxerPair()
    const remote: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => remote.push(detail))
    const streams = await Promise.all([dialer.createStream(), dialer.createStream()])
    streams.forEach((s) => {
      s.send(text('x'))
    })
    await until(() => remote.length === 2)
    const local = streams.map(async (s) => closed(s))
    const far = remote.map(async (s) => closed(s))
    dialerConn.abort(new Error('cable cut'))
    for (const evt of await Promise.all(local)) expect(evt.error?.message).toBe('cable cut')
    for (const evt of await Promise.all(far)) expect(evt.error).toBeDefined()
    expect(dialer.status).toBe('closed')
    expect(listener.status).toBe('closed')
    expect(dialer.streams).toHaveLength(0)
    expect(listener.streams).toHaveLength(0)
    await expect(dialer.createStream()).rejects.toThrow(expect.objectContaining({ name: 'MuxerClosedError' }))
  })

  it('a connection that ends mid-stream resets the streams the remote had not closed', async () => {
    const { raw, listener, listenerConn } = rawPair()
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => accepted.push(detail))
    raw.send(encodeFrame(0, MessageType.NewStream))
    raw.send(encodeFrame(0, MessageType.MessageInitiator, text('partial')))
    await until(() => accepted.length === 1)
    const evt = closed(accepted[0]!)
    await raw.closeConnection()
    expect((await evt).error?.name).toBe('StreamResetError')
    await until(() => listenerConn.status === 'closed')
  })

  it('muxer.abort() resets every stream at the remote', async () => {
    const { dialer, listener } = muxerPair()
    const remote: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => remote.push(detail))
    await Promise.all([dialer.createStream(), dialer.createStream()])
    await until(() => remote.length === 2)
    const events = remote.map(async (s) => closed(s))
    dialer.abort(new Error('shutting down'))
    for (const evt of await Promise.all(events)) expect(evt.error?.name).toBe('StreamResetError')
    expect(dialer.streams).toHaveLength(0)
  })

  it('sends NewStream and data of one tick in a single write', async () => {
    const { dialer, dialerConn } = muxerPair()
    const sent: number[] = []
    const original = dialerConn.send.bind(dialerConn)
    dialerConn.send = (data: Uint8Array | Uint8ArrayList) => {
      sent.push(data.byteLength)
      return original(data)
    }
    const stream = await dialer.createStream()
    stream.send(text('hello'))
    await stream.close()
    await tick()
    // NewStream "0" (3 bytes) + data (7) + close (2) in one send
    expect(sent).toEqual([12])
  })
})
