/** The muxer against a peer whose frames are written by hand from the spec. */
import type { Stream, StreamCloseEvent } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { Flag, FrameType, GoAwayCode } from '../src/frame.js'
import { MuxerClosedError, type YamuxStream } from '../src/index.js'
import { closed, echo, frame, muxerPair, RawPeer, readAll, tick } from './helpers.js'

const KiB = 1024
const encoder = new TextEncoder()
const { Data, WindowUpdate, Ping, GoAway } = FrameType

function inbound(peer: RawPeer): Promise<YamuxStream> {
  return new Promise((resolve) => peer.muxer.addEventListener('stream', ({ detail }) => resolve(detail)))
}

const isFrame =
  (type: number, streamId?: number, flags?: number) =>
  (f: { header: { type: number; streamId: number; flags: number } }) =>
    f.header.type === type &&
    (streamId == null || f.header.streamId === streamId) &&
    (flags == null || (f.header.flags & flags) === flags)

describe('yamux wire behaviour', () => {
  it('opens a stream with SYN on a Window Update, then sends data without flags', async () => {
    const peer = new RawPeer()
    const stream = await peer.muxer.createStream()
    stream.send(encoder.encode('hi'))
    const syn = await peer.waitFor(isFrame(WindowUpdate, 1))
    expect(syn.header).toEqual({ type: WindowUpdate, flags: Flag.SYN, streamId: 1, length: 0 })
    const data = await peer.waitFor(isFrame(Data, 1))
    expect(data.header.flags).toBe(0)
    expect(new TextDecoder().decode(data.payload)).toBe('hi')
    peer.muxer.abort(new Error('done'))
  })

  it('announces a larger initial window in the SYN', async () => {
    const peer = new RawPeer({ streamOptions: { initialStreamWindowSize: 1024 * KiB } })
    await peer.muxer.createStream()
    const syn = await peer.waitFor(isFrame(WindowUpdate, 1))
    expect(syn.header.length).toBe(768 * KiB)
    // so the remote may send 1 MiB at once
    peer.send(
      frame({ type: Data, flags: Flag.ACK, streamId: 1, length: 1024 * KiB }, new Uint8Array(1024 * KiB)),
    )
    await tick(20)
    expect(peer.muxer.status).toBe('open')
    peer.muxer.abort(new Error('done'))
  })

  it('accepts a stream opened with SYN and data, and acknowledges it on its first frame, not before', async () => {
    const peer = new RawPeer()
    const accepted = inbound(peer)
    peer.send(frame({ type: Data, flags: Flag.SYN, streamId: 2, length: 4 }, encoder.encode('ping')))
    const stream = await accepted
    expect(stream.id).toBe('2')
    expect(stream.direction).toBe('inbound')
    const chunks: Uint8Array[] = []
    stream.addEventListener('message', (evt) => chunks.push(evt.data.subarray()))
    await tick(20)
    expect(new TextDecoder().decode(chunks[0])).toBe('ping')
    // no implicit ACK (libp2p yamux spec, "ACK backlog")
    expect(peer.frames.filter((f) => f.header.streamId === 2)).toEqual([])
    stream.send(encoder.encode('pong'))
    const reply = await peer.waitFor(isFrame(Data, 2))
    expect(reply.header.flags).toBe(Flag.ACK)
    expect(new TextDecoder().decode(reply.payload)).toBe('pong')
    peer.muxer.abort(new Error('done'))
  })

  it('sends Window Updates only once half of the window was read', async () => {
    const peer = new RawPeer()
    const accepted = inbound(peer)
    // 256 KiB in 4 KiB frames: exactly the initial window
    peer.send(frame({ type: WindowUpdate, flags: Flag.SYN, streamId: 2, length: 0 }))
    for (let i = 0; i < 64; i++)
      peer.send(frame({ type: Data, flags: 0, streamId: 2, length: 4 * KiB }, new Uint8Array(4 * KiB)))
    const stream = await accepted
    stream.addEventListener('message', () => {})
    await tick(30)
    const updates = peer.frames.filter(isFrame(WindowUpdate, 2))
    expect(updates.length).toBeGreaterThanOrEqual(1)
    expect(updates.length).toBeLessThanOrEqual(2)
    for (const update of updates) expect(update.header.length).toBeGreaterThanOrEqual(128 * KiB)
    expect(updates[0].header.flags & Flag.ACK).toBe(Flag.ACK)
    expect(updates.reduce((sum, u) => sum + u.header.length, 0)).toBe(256 * KiB)
    peer.muxer.abort(new Error('done'))
  })

  it('sends no Window Update while the stream is paused, and one on resume', async () => {
    const peer = new RawPeer()
    const accepted = inbound(peer)
    peer.send(
      frame({ type: Data, flags: Flag.SYN, streamId: 2, length: 200 * KiB }, new Uint8Array(200 * KiB)),
    )
    const stream = await accepted
    stream.pause()
    stream.addEventListener('message', () => {})
    await tick(30)
    expect(peer.frames.filter(isFrame(WindowUpdate, 2))).toEqual([])
    stream.resume()
    const update = await peer.waitFor(isFrame(WindowUpdate, 2))
    expect(update.header.length).toBe(200 * KiB)
    peer.muxer.abort(new Error('done'))
  })

  it('sends no Window Update while a reader that took the bytes keeps the stream paused (for await)', async () => {
    const peer = new RawPeer()
    const accepted = inbound(peer)
    peer.send(
      frame({ type: Data, flags: Flag.SYN, streamId: 2, length: 200 * KiB }, new Uint8Array(200 * KiB)),
    )
    const stream = await accepted
    let taken = 0
    stream.addEventListener('message', (evt) => {
      taken += evt.data.byteLength
      stream.pause()
    })
    await tick(30)
    expect(taken).toBe(200 * KiB)
    expect(stream.readBufferLength).toBe(0)
    expect(peer.frames.filter(isFrame(WindowUpdate, 2))).toEqual([])
    stream.resume()
    const update = await peer.waitFor(isFrame(WindowUpdate, 2))
    expect(update.header.length).toBe(200 * KiB)
    peer.muxer.abort(new Error('done'))
  })

  it('adds Window Update deltas to the send window', async () => {
    const peer = new RawPeer()
    const stream = await peer.muxer.createStream()
    stream.send(new Uint8Array(300 * KiB))
    await tick(20)
    const sent = () => peer.frames.filter(isFrame(Data, 1)).reduce((sum, f) => sum + f.payload.byteLength, 0)
    expect(sent()).toBe(256 * KiB)
    peer.send(frame({ type: WindowUpdate, flags: Flag.ACK, streamId: 1, length: 10 * KiB }))
    await tick(20)
    expect(sent()).toBe(266 * KiB)
    peer.send(frame({ type: WindowUpdate, flags: 0, streamId: 1, length: 100 * KiB }))
    await tick(20)
    expect(sent()).toBe(300 * KiB)
    expect(stream.sendWindowSize).toBe(66 * KiB)
    peer.muxer.abort(new Error('done'))
  })

  it('splits data into frames of at most maxMessageSize', async () => {
    const peer = new RawPeer({ maxMessageSize: 10_000 })
    const stream = await peer.muxer.createStream()
    stream.send(new Uint8Array(35_000))
    await tick(20)
    const sizes = peer.frames.filter(isFrame(Data, 1)).map((f) => f.payload.byteLength)
    expect(sizes).toEqual([10_000, 10_000, 10_000, 5_000])
    peer.muxer.abort(new Error('done'))
  })

  it('ends a stream on FIN and resets it on RST', async () => {
    const peer = new RawPeer()
    const first = inbound(peer)
    peer.send(
      frame({ type: Data, flags: Flag.SYN | Flag.FIN, streamId: 2, length: 3 }, encoder.encode('bye')),
    )
    const a = await first
    expect(new TextDecoder().decode(await readAll(a))).toBe('bye')
    expect(a.remoteWriteStatus).toBe('closed')
    await a.close()
    const fin = await peer.waitFor(isFrame(WindowUpdate, 2, Flag.FIN))
    expect(fin.header.flags).toBe(Flag.FIN | Flag.ACK)
    expect(a.status).toBe('closed')

    const second = inbound(peer)
    peer.send(frame({ type: WindowUpdate, flags: Flag.SYN, streamId: 4, length: 0 }))
    const b = await second
    const bClosed = closed(b)
    peer.send(frame({ type: WindowUpdate, flags: Flag.RST, streamId: 4, length: 0 }))
    expect((await bClosed)?.name).toBe('StreamResetError')
    expect(peer.muxer.streams).toEqual([])
    peer.muxer.abort(new Error('done'))
  })

  it('sends RST when a stream is aborted', async () => {
    const peer = new RawPeer()
    const stream = await peer.muxer.createStream()
    stream.abort(new Error('no'))
    const rst = await peer.waitFor(isFrame(WindowUpdate, 1, Flag.RST))
    expect(rst.header.length).toBe(0)
    peer.muxer.abort(new Error('done'))
  })

  it('answers a Ping with an ACK carrying the same value, and ignores answers it never asked for', async () => {
    const peer = new RawPeer()
    peer.send(frame({ type: Ping, flags: Flag.SYN, streamId: 0, length: 0xdeadbeef }))
    const pong = await peer.waitFor(isFrame(Ping, 0, Flag.ACK))
    expect(pong.header).toEqual({ type: Ping, flags: Flag.ACK, streamId: 0, length: 0xdeadbeef })
    peer.send(frame({ type: Ping, flags: Flag.ACK, streamId: 0, length: 12345 }))
    await tick(10)
    expect(peer.muxer.status).toBe('open')
    peer.muxer.abort(new Error('done'))
  })

  it('sends its own ping at start to measure the round-trip time', async () => {
    const peer = new RawPeer()
    const ping = await peer.waitFor(isFrame(Ping, 0, Flag.SYN))
    expect(peer.muxer.rtt).toBe(-1)
    peer.send(frame({ type: Ping, flags: Flag.ACK, streamId: 0, length: ping.header.length }))
    await tick(10)
    expect(peer.muxer.rtt).toBeGreaterThanOrEqual(0)
    peer.muxer.abort(new Error('done'))
  })

  it('ignores frames for streams it does not know', async () => {
    const peer = new RawPeer()
    peer.send(frame({ type: Data, flags: 0, streamId: 8, length: 3 }, new Uint8Array(3)))
    peer.send(frame({ type: WindowUpdate, flags: Flag.ACK, streamId: 9, length: 100 }))
    await tick(10)
    expect(peer.muxer.status).toBe('open')
    peer.muxer.abort(new Error('done'))
  })

  it('on GoAway(normal) refuses new streams but finishes open ones', async () => {
    const peer = new RawPeer()
    const stream = await peer.muxer.createStream()
    peer.send(frame({ type: GoAway, flags: 0, streamId: 0, length: GoAwayCode.Normal }))
    await tick(10)
    await expect(peer.muxer.createStream()).rejects.toThrow(MuxerClosedError)
    peer.send(frame({ type: Data, flags: Flag.ACK | Flag.FIN, streamId: 1, length: 2 }, encoder.encode('ok')))
    expect(new TextDecoder().decode(await readAll(stream))).toBe('ok')
    peer.muxer.abort(new Error('done'))
  })

  it('on GoAway(error) fails every stream with GoAwayError and closes the connection', async () => {
    const peer = new RawPeer()
    const stream = await peer.muxer.createStream()
    const streamClosed = closed(stream)
    const connEnded = new Promise((resolve) => peer.conn.addEventListener('remoteCloseWrite', resolve))
    peer.send(frame({ type: GoAway, flags: 0, streamId: 0, length: GoAwayCode.InternalError }))
    const err = await streamClosed
    expect(err?.name).toBe('GoAwayError')
    expect((err as Error & { code: number }).code).toBe(2)
    await connEnded
    expect(peer.muxer.status).toBe('closed')
  })

  it("dispatches 'close' with the error that ended the session: the remote's GoAway or a violation", async () => {
    const remote = new RawPeer()
    const remoteEnded = new Promise<StreamCloseEvent>((resolve) =>
      remote.muxer.addEventListener('close', resolve, { once: true }),
    )
    remote.send(frame({ type: GoAway, flags: 0, streamId: 0, length: GoAwayCode.ProtocolError }))
    const byGoAway = await remoteEnded
    expect(byGoAway.error).toMatchObject({ name: 'GoAwayError', code: GoAwayCode.ProtocolError })
    expect(byGoAway.local).toBe(false)

    const violated = new RawPeer()
    const violationEnded = new Promise<StreamCloseEvent>((resolve) =>
      violated.muxer.addEventListener('close', resolve, { once: true }),
    )
    violated.send(frame({ type: 7 as FrameType, flags: 0, streamId: 1, length: 0 }))
    expect((await violationEnded).error).toMatchObject({ name: 'InvalidFrameError' })
    // the GoAway(protocol error) still goes out on the wire
    expect((await violated.waitFor(isFrame(GoAway))).header.length).toBe(GoAwayCode.ProtocolError)

    const graceful = new RawPeer()
    const gracefulEnded = new Promise<StreamCloseEvent>((resolve) =>
      graceful.muxer.addEventListener('close', resolve, { once: true }),
    )
    await graceful.muxer.close()
    // the session ends once the remote ends the connection too: no error then
    void graceful.conn.close().catch(() => {})
    expect((await gracefulEnded).error).toBeUndefined()
  })

  it('sends GoAway(normal) after closing its streams', async () => {
    const peer = new RawPeer()
    const stream = await peer.muxer.createStream()
    stream.send(encoder.encode('last words'))
    await peer.muxer.close()
    const goAway = await peer.waitFor(isFrame(GoAway))
    expect(goAway.header.length).toBe(GoAwayCode.Normal)
    const order = peer.frames.map((f) => f.header.type)
    expect(order.indexOf(GoAway)).toBeGreaterThan(order.indexOf(Data))
    expect(peer.frames.some(isFrame(WindowUpdate, 1, Flag.FIN))).toBe(true)
    // a stream opened by the remote after GoAway is refused
    peer.send(frame({ type: WindowUpdate, flags: Flag.SYN, streamId: 2, length: 0 }))
    await peer.waitFor(isFrame(WindowUpdate, 2, Flag.RST))
  })
})

describe('yamux limits and protocol errors', () => {
  async function expectProtocolFailure(
    peer: RawPeer,
    errorName: string,
    ...bytes: Uint8Array[]
  ): Promise<void> {
    const stream = await peer.muxer.createStream()
    const streamClosed = closed(stream)
    const connEnded = new Promise((resolve) => peer.conn.addEventListener('remoteCloseWrite', resolve))
    peer.send(...bytes)
    const err = await streamClosed
    expect(err?.name).toBe(errorName)
    const goAway = await peer.waitFor(isFrame(GoAway))
    expect(goAway.header.length).toBe(GoAwayCode.ProtocolError)
    await connEnded
    expect(peer.muxer.status).toBe('closed')
    expect(peer.muxer.streams).toEqual([])
  }

  it('treats data beyond the granted window as a protocol error', async () => {
    const peer = new RawPeer()
    const over = 256 * KiB + 1
    await expectProtocolFailure(
      peer,
      'ReceiveWindowExceededError',
      frame({ type: Data, flags: Flag.ACK, streamId: 1, length: over }, new Uint8Array(over)),
    )
  })

  it('detects the overrun at the header, before buffering the payload', async () => {
    const peer = new RawPeer()
    // a header announcing 4 GiB and no payload at all
    await expectProtocolFailure(
      peer,
      'ReceiveWindowExceededError',
      frame({ type: Data, flags: 0, streamId: 1, length: 0xffffffff }),
    )
  })

  it('closes only the connection that sent garbage', async () => {
    const bystander = muxerPair()
    echo(bystander.server)
    const peer = new RawPeer()
    await expectProtocolFailure(
      peer,
      'InvalidFrameError',
      new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8]),
    )
    const stream = await bystander.client.createStream()
    const reply = readAll(stream)
    stream.send(encoder.encode('still fine'))
    await stream.close()
    expect(new TextDecoder().decode(await reply)).toBe('still fine')
    bystander.client.abort(new Error('done'))
  })

  it('rejects an unknown frame type', async () => {
    const bytes = frame({ type: Data, flags: 0, streamId: 1, length: 0 })
    bytes[1] = 7
    await expectProtocolFailure(new RawPeer(), 'InvalidFrameError', bytes)
  })

  it('rejects stream frames on stream 0', async () => {
    await expectProtocolFailure(
      new RawPeer(),
      'InvalidFrameError',
      frame({ type: Data, flags: 0, streamId: 0, length: 0 }),
    )
  })

  it('rejects a stream opened with an id of our parity', async () => {
    await expectProtocolFailure(
      new RawPeer(),
      'InvalidFrameError',
      frame({ type: WindowUpdate, flags: Flag.SYN, streamId: 5, length: 0 }),
    )
  })

  it('rejects a SYN for a stream that is open', async () => {
    const peer = new RawPeer()
    const syn = frame({ type: WindowUpdate, flags: Flag.SYN, streamId: 2, length: 0 })
    peer.send(syn)
    await tick(10)
    await expectProtocolFailure(peer, 'InvalidFrameError', syn)
  })

  it('resets inbound streams beyond maxInboundStreams', async () => {
    const peer = new RawPeer({ maxInboundStreams: 2 })
    const accepted: Stream[] = []
    peer.muxer.addEventListener('stream', ({ detail }) => accepted.push(detail))
    for (const id of [2, 4, 6, 8])
      peer.send(frame({ type: WindowUpdate, flags: Flag.SYN, streamId: id, length: 0 }))
    await peer.waitFor(isFrame(WindowUpdate, 8, Flag.RST))
    expect(peer.frames.some(isFrame(WindowUpdate, 6, Flag.RST))).toBe(true)
    expect(accepted.map((s) => s.id)).toEqual(['2', '4'])
    // closing one makes room again
    accepted[0].abort(new Error('make room'))
    peer.send(frame({ type: WindowUpdate, flags: Flag.SYN, streamId: 10, length: 0 }))
    await tick(10)
    expect(accepted.map((s) => s.id)).toEqual(['2', '4', '10'])
    expect(peer.muxer.status).toBe('open')
    peer.muxer.abort(new Error('done'))
  })

  it('disconnects a remote that keeps opening streams beyond the limit', async () => {
    const peer = new RawPeer({ maxInboundStreams: 1 })
    const syns: Uint8Array[] = []
    for (let id = 2; id <= 2 * 80; id += 2)
      syns.push(frame({ type: WindowUpdate, flags: Flag.SYN, streamId: id, length: 0 }))
    await expectProtocolFailure(peer, 'TooManyInboundStreamsError', ...syns)
  })
})
