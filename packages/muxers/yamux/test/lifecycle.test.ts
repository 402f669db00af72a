import { streamPair } from '@weft/utils'
import { describe, expect, it, vi } from 'vitest'
import { Flag, FrameType } from '../src/frame.js'
import { MuxerClosedError, yamux } from '../src/index.js'
import { closed, echo, frame, muxerPair, RawPeer, tick } from './helpers.js'

describe('yamux session lifecycle', () => {
  it('fails every stream with an error when the connection is aborted', async () => {
    const { client, server, clientConn } = muxerPair()
    echo(server)
    const streams = await Promise.all([1, 2, 3].map(() => client.createStream()))
    for (const stream of streams) stream.send(new Uint8Array(10))
    await tick(10)
    const remoteStreams = server.streams
    expect(remoteStreams).toHaveLength(3)
    const errors = Promise.all(streams.map(closed))
    const remoteErrors = Promise.all(remoteStreams.map(closed))
    const reason = new Error('cable cut')
    clientConn.abort(reason)
    expect(await errors).toEqual([reason, reason, reason])
    // the other end sees its connection reset
    for (const err of await remoteErrors) expect(err?.name).toBe('StreamResetError')
    expect(client.status).toBe('closed')
    expect(server.status).toBe('closed')
    expect(client.streams).toEqual([])
    expect(server.streams).toEqual([])
    await expect(client.createStream()).rejects.toThrow(MuxerClosedError)
  })

  it('closes every stream when the remote closes the connection', async () => {
    const { client, server, serverConn } = muxerPair()
    const inbound = new Promise<void>((resolve) => server.addEventListener('stream', () => resolve()))
    const stream = await client.createStream()
    stream.send(new Uint8Array(1))
    await inbound
    const streamClosed = closed(stream)
    await serverConn.close()
    expect(await streamClosed).toBeUndefined()
    expect(client.status).toBe('closed')
    await tick(10)
    expect(server.status).toBe('closed')
  })

  it('fails the session when the connection ends inside a frame', async () => {
    const peer = new RawPeer()
    const stream = await peer.muxer.createStream()
    const streamClosed = closed(stream)
    // a header that promises 10 bytes, then only 3, then the end
    peer.send(
      frame({ type: FrameType.Data, flags: Flag.ACK, streamId: 1, length: 10 }).subarray(0, 12),
      new Uint8Array(3),
    )
    await tick(10)
    await peer.conn.close()
    expect((await streamClosed)?.name).toBe('InvalidFrameError')
  })

  it('ends at once on a connection that is already closed', async () => {
    const [a] = streamPair()
    a.abort(new Error('gone'))
    const muxer = yamux()().createStreamMuxer(a)
    expect(muxer.status).toBe('closed')
    await expect(muxer.createStream()).rejects.toThrow(MuxerClosedError)
  })

  it('sends keep-alive pings and closes a session whose remote stops answering', async () => {
    const peer = new RawPeer({ enableKeepAlive: true, keepAliveInterval: 40 })
    const stream = await peer.muxer.createStream()
    const streamClosed = closed(stream)
    // answer the first ping only
    const first = await peer.waitFor((f) => f.header.type === FrameType.Ping)
    peer.send(frame({ type: FrameType.Ping, flags: Flag.ACK, streamId: 0, length: first.header.length }))
    await peer.waitFor((f) => f.header.type === FrameType.Ping && f.header.length !== first.header.length)
    const err = await streamClosed
    expect(err?.name).toBe('TimeoutError')
    expect(peer.muxer.status).toBe('closed')
    const goAway = await peer.waitFor((f) => f.header.type === FrameType.GoAway)
    expect(goAway.header.length).toBe(2)
  })

  it('keeps a session whose remote answers its keep-alive pings', async () => {
    const { client, server } = muxerPair({ enableKeepAlive: true, keepAliveInterval: 20 })
    await tick(150)
    expect(client.status).toBe('open')
    expect(server.status).toBe('open')
    expect(client.rtt).toBeGreaterThanOrEqual(0)
    await client.close()
    await server.close()
  })

  it('leaves no timer behind after close or abort', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const a = muxerPair({ enableKeepAlive: true, keepAliveInterval: 1000 })
      const b = muxerPair({ enableKeepAlive: true, keepAliveInterval: 1000 })
      expect(vi.getTimerCount()).toBe(4)
      await a.client.close()
      await a.server.close()
      b.client.abort(new Error('done'))
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
      expect(b.server.status).toBe('closed')
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('rejects a createStream waiting for an ACK slot when the muxer closes', async () => {
    const { client, server } = muxerPair()
    // the server accepts streams but never answers: no ACK comes back
    server.addEventListener('stream', () => {})
    await Promise.all(Array.from({ length: 256 }, () => client.createStream()))
    const waiting = client.createStream()
    await tick(10)
    client.abort(new Error('bye'))
    await expect(waiting).rejects.toThrow('bye')
    server.abort(new Error('done'))
  })
})
