import type { Stream } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import { MuxerClosedError, TooManyOutboundProtocolStreamsError, yamux } from '../src/index.js'
import { closed, echo, muxerPair, pattern, readAll, tick, writeAll } from './helpers.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

describe('yamux muxer pair', () => {
  it('has the libp2p protocol id and capability', () => {
    const factory = yamux()()
    expect(factory.protocol).toBe('/yamux/1.0.0')
    expect(Object.prototype.toString.call(factory)).toBe('[object @weft/yamux]')
  })

  it('makes the dialer the client (odd ids) and the listener the server (even ids)', async () => {
    const { client, server } = muxerPair()
    expect(client.client).toBe(true)
    expect(server.client).toBe(false)
    const a = await client.createStream()
    const b = await client.createStream()
    const c = await server.createStream()
    expect([a.id, b.id, c.id]).toEqual(['1', '3', '2'])
    expect(a.direction).toBe('outbound')
    client.abort(new Error('done'))
  })

  it('lets init override which side is the client', async () => {
    const { client, server } = muxerPair({ initiator: false })
    expect(client.client).toBe(false)
    expect(server.client).toBe(false)
    const { client: c2 } = muxerPair({ initiator: true })
    expect((await c2.createStream()).id).toBe('1')
    client.abort(new Error('done'))
    c2.abort(new Error('done'))
  })

  for (const opener of ['client', 'server'] as const) {
    it(`opens, echoes and closes a stream opened by the ${opener}`, async () => {
      const pair = muxerPair()
      const local = pair[opener]
      const remote = opener === 'client' ? pair.server : pair.client
      echo(remote)
      const inbound: Stream[] = []
      remote.addEventListener('stream', ({ detail }) => inbound.push(detail))

      const stream = await local.createStream()
      const reply = readAll(stream)
      stream.send(encoder.encode('hello '))
      stream.send(encoder.encode('yamux'))
      await stream.close()
      expect(decoder.decode(await reply)).toBe('hello yamux')

      await tick(10)
      expect(inbound).toHaveLength(1)
      expect(inbound[0].direction).toBe('inbound')
      expect(stream.status).toBe('closed')
      expect(inbound[0].status).toBe('closed')
      // both ends forgot the stream
      expect(local.streams).toHaveLength(0)
      expect(remote.streams).toHaveLength(0)
      await local.close()
      await remote.close()
    })
  }

  it('echoes 24 concurrent streams of up to 1.5 MB byte for byte, opened from both sides', async () => {
    const { client, server } = muxerPair()
    echo(client)
    echo(server)
    const results = await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const opener = i % 2 === 0 ? client : server
        const size = Math.floor((1_500_000 * (i + 1)) / 24)
        const data = pattern(size, i + 1)
        const stream = await opener.createStream()
        const reply = readAll(stream)
        await writeAll(stream, data, 10_000 + i * 997)
        await stream.close()
        const echoed = await reply
        return echoed.byteLength === size && Buffer.compare(echoed, data) === 0
      }),
    )
    expect(results).toEqual(Array.from({ length: 24 }, () => true))
    await tick(10)
    expect(client.streams).toHaveLength(0)
    expect(server.streams).toHaveLength(0)
    await client.close()
    await server.close()
  })

  it('sends data and FIN from both ends independently (half-close)', async () => {
    const { client, server } = muxerPair()
    const inbound = new Promise<Stream>((resolve) =>
      server.addEventListener('stream', ({ detail }) => resolve(detail)),
    )
    const stream = await client.createStream()
    stream.send(encoder.encode('request'))
    await stream.close()
    expect(stream.writeStatus).toBe('closed')
    const remote = await inbound
    expect(decoder.decode(await readAll(remote))).toBe('request')
    expect(remote.remoteWriteStatus).toBe('closed')
    // the remote can still answer after our FIN
    remote.send(encoder.encode('response'))
    await remote.close()
    expect(decoder.decode(await readAll(stream))).toBe('response')
    expect(await closed(stream)).toBeUndefined()
    client.abort(new Error('done'))
  })

  it('delivers data sent with the SYN to a stream listener added later (early streams)', async () => {
    const { client, server } = muxerPair()
    const stream = await client.createStream()
    stream.send(encoder.encode('early'))
    await stream.close()
    await tick(20)
    expect(server.streams).toHaveLength(1)
    const inbound = await new Promise<Stream>((resolve) =>
      server.addEventListener('stream', ({ detail }) => resolve(detail)),
    )
    expect(decoder.decode(await readAll(inbound))).toBe('early')
    client.abort(new Error('done'))
  })

  it('resets streams beyond maxEarlyStreams while nobody listens', async () => {
    const { client, server } = muxerPair({ maxEarlyStreams: 2 })
    const streams = await Promise.all([1, 2, 3].map(() => client.createStream()))
    for (const stream of streams) stream.send(encoder.encode('x'))
    const third = await closed(streams[2])
    expect(third?.name).toBe('StreamResetError')
    expect(server.streams).toHaveLength(2)
    expect(streams[0].status).toBe('open')
    server.abort(new Error('done'))
  })

  it('resets a stream from the opener: the remote sees StreamResetError', async () => {
    const { client, server } = muxerPair()
    const inbound = new Promise<Stream>((resolve) =>
      server.addEventListener('stream', ({ detail }) => resolve(detail)),
    )
    const stream = await client.createStream()
    stream.send(encoder.encode('x'))
    const remote = await inbound
    const remoteClosed = closed(remote)
    stream.abort(new Error('changed my mind'))
    expect(stream.status).toBe('aborted')
    const err = await remoteClosed
    expect(err?.name).toBe('StreamResetError')
    expect(remote.status).toBe('reset')
    await tick(10)
    expect(client.streams).toHaveLength(0)
    expect(server.streams).toHaveLength(0)
    client.abort(new Error('done'))
  })

  it('resets a stream from the acceptor: the opener sees StreamResetError and cannot write', async () => {
    const { client, server } = muxerPair()
    server.addEventListener('stream', ({ detail }) => detail.abort(new Error('no thanks')))
    const stream = await client.createStream()
    stream.send(encoder.encode('x'))
    const err = await closed(stream)
    expect(err?.name).toBe('StreamResetError')
    expect(() => stream.send(encoder.encode('more'))).toThrow()
    client.abort(new Error('done'))
  })

  it('measures the round-trip time with a ping', async () => {
    const { client, server } = muxerPair({}, { delay: 20 })
    const rtt = await client.ping()
    expect(rtt).toBeGreaterThanOrEqual(35)
    expect(rtt).toBeLessThan(2_000)
    expect(client.rtt).toBe(rtt)
    // concurrent pings share one Ping frame and its answer
    const [a, b] = await Promise.all([server.ping(), server.ping()])
    expect(a).toBe(b)
    client.abort(new Error('done'))
    server.abort(new Error('done'))
  })

  it('gives up a ping on its signal', async () => {
    const { client, server } = muxerPair({}, { delay: 200 })
    await expect(client.ping({ signal: AbortSignal.timeout(10) })).rejects.toThrow()
    client.abort(new Error('done'))
    server.abort(new Error('done'))
  })

  it('limits outbound streams', async () => {
    const { client, server } = muxerPair({ maxOutboundStreams: 2 })
    const a = await client.createStream()
    await client.createStream()
    await expect(client.createStream()).rejects.toThrow(TooManyOutboundProtocolStreamsError)
    a.abort(new Error('make room'))
    await expect(client.createStream()).resolves.toBeDefined()
    client.abort(new Error('done'))
    server.abort(new Error('done'))
  })

  it('lets createStream wait when 256 streams are unacknowledged, and resumes on ACK', async () => {
    const { client, server } = muxerPair()
    // the server does not acknowledge until it sends something on a stream
    const inbound: Stream[] = []
    server.addEventListener('stream', ({ detail }) => inbound.push(detail))
    const opened = await Promise.all(Array.from({ length: 256 }, () => client.createStream()))
    let extra: Stream | undefined
    const pending = client.createStream().then((stream) => {
      extra = stream
    })
    await tick(30)
    expect(extra).toBeUndefined()
    await expect(client.createStream({ signal: AbortSignal.timeout(20) })).rejects.toThrow()
    // the server answers on one stream: its ACK frees a slot
    inbound[0].send(encoder.encode('ack'))
    await pending
    expect(extra?.id).toBe(String(2 * 256 + 1))
    expect(opened).toHaveLength(256)
    client.abort(new Error('done'))
    server.abort(new Error('done'))
  })

  it('closes gracefully: queued data is sent, then FIN and GoAway; new streams are refused', async () => {
    const { client, server } = muxerPair()
    const received = new Promise<Uint8Array>((resolve) =>
      server.addEventListener('stream', ({ detail }) => resolve(readAll(detail))),
    )
    const stream = await client.createStream()
    const data = pattern(1_000_000, 7)
    stream.send(data) // more than the window: most of it is still queued
    await client.close()
    expect(client.status).toBe('closed')
    expect(Buffer.compare(await received, data)).toBe(0)
    expect(stream.writeStatus).toBe('closed')
    await expect(client.createStream()).rejects.toThrow(MuxerClosedError)
    // the server saw GoAway: it may not open streams either
    await tick(10)
    await expect(server.createStream()).rejects.toThrow(MuxerClosedError)
    server.abort(new Error('done'))
    client.abort(new Error('done'))
  })

  it('abort() resets every stream with the error and tells the remote', async () => {
    const { client, server } = muxerPair()
    echo(server)
    const streams = await Promise.all([1, 2, 3].map(() => client.createStream()))
    for (const stream of streams) stream.send(encoder.encode('x'))
    await tick(10)
    const remoteStreams = server.streams
    expect(remoteStreams).toHaveLength(3)
    const remoteErrors = Promise.all(remoteStreams.map(closed))
    const reason = new Error('shutting down')
    const errors = Promise.all(streams.map(closed))
    client.abort(reason)
    expect(await errors).toEqual([reason, reason, reason])
    expect(client.status).toBe('closed')
    // GoAway(internal error) ends the remote session too
    for (const err of await remoteErrors) expect(err?.name).toBe('GoAwayError')
    expect(server.status).toBe('closed')
  })
})
