import type { Stream } from '@libp2p/interface'
import { StreamReader, sendAll } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { MplexMuxer, mplex } from '../src/index.js'
import { closed, echo, muxerPair, pseudoRandomBytes, readAll, tick, until } from './util.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: { subarray(): Uint8Array }): string => new TextDecoder().decode(b.subarray())

describe('mplex factory', () => {
  it('has the protocol id and makes muxers', () => {
    const factory = mplex()()
    expect(factory.protocol).toBe('/mplex/6.7.0')
    const { dialer } = muxerPair()
    expect(dialer).toBeInstanceOf(MplexMuxer)
    expect(dialer.protocol).toBe('/mplex/6.7.0')
    expect(dialer.status).toBe('open')
  })

  it('rejects nonsensical options', () => {
    expect(() => mplex({ maxInboundStreams: 0 })()).toThrow(RangeError)
  })
})

describe('mplex streams', () => {
  it('opens, echoes and closes from the dialer', async () => {
    const { dialer, listener } = muxerPair()
    const accepted: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => {
      accepted.push(detail)
      void echo(detail)
    })
    const stream = await dialer.createStream()
    expect(stream.direction).toBe('outbound')
    const reply = readAll(stream)
    stream.send(text('hello '))
    stream.send(text('mplex'))
    await stream.close()
    expect(str(await reply)).toBe('hello mplex')
    await until(() => stream.status === 'closed')
    expect(accepted).toHaveLength(1)
    expect(accepted[0]!.direction).toBe('inbound')
    await until(() => dialer.streams.length === 0 && listener.streams.length === 0)
  })

  it('opens, echoes and closes from the listener', async () => {
    const { dialer, listener } = muxerPair()
    dialer.addEventListener('stream', ({ detail }) => void echo(detail))
    const stream = await listener.createStream()
    const reply = readAll(stream)
    stream.send(text('the other way'))
    await stream.close()
    expect(str(await reply)).toBe('the other way')
  })

  it('keeps both id namespaces apart when both sides open stream 0', async () => {
    const { dialer, listener } = muxerPair()
    dialer.addEventListener('stream', ({ detail }) => void echo(detail))
    listener.addEventListener('stream', ({ detail }) => void echo(detail))
    const [fromDialer, fromListener] = await Promise.all([dialer.createStream(), listener.createStream()])
    expect(fromDialer.id).toBe('i0')
    expect(fromListener.id).toBe('i0')
    const replies = [readAll(fromDialer), readAll(fromListener)]
    fromDialer.send(text('dialer'))
    fromListener.send(text('listener'))
    await Promise.all([fromDialer.close(), fromListener.close()])
    expect((await Promise.all(replies)).map(str)).toEqual(['dialer', 'listener'])
  })

  it('half-closes: the closed side still reads the reply', async () => {
    const { dialer, listener } = muxerPair()
    listener.addEventListener('stream', ({ detail: stream }) => {
      void (async () => {
        const request = await readAll(stream)
        stream.send(text(`got ${request.byteLength} bytes`))
        await stream.close()
      })()
    })
    const stream = await dialer.createStream()
    stream.send(new Uint8Array(1234))
    await stream.close()
    expect(stream.writeStatus).toBe('closed')
    expect(str(await readAll(stream))).toBe('got 1234 bytes')
    await until(() => stream.status === 'closed')
  })

  it('echoes 24 concurrent streams of up to 1.5 MB byte for byte', async () => {
    const { dialer, listener } = muxerPair({ pair: { capacity: 64 * 1024 } })
    listener.addEventListener('stream', ({ detail }) => void echo(detail))
    const sizes = Array.from({ length: 24 }, (_, i) =>
      i === 0 ? 1_500_000 : Math.floor((1_500_000 * (i * 7 + 3)) / 171),
    )
    const results = await Promise.all(
      sizes.map(async (size, i) => {
        const payload = pseudoRandomBytes(size, i + 1)
        const stream = await dialer.createStream()
        const reply = readAll(stream)
        // uneven chunks, waiting for drain as a well-behaved writer does
        for (let offset = 0; offset < size; offset += 50_000 + i * 997) {
          await sendAll(stream, payload.subarray(offset, offset + 50_000 + i * 997))
        }
        await stream.close()
        const received = (await reply).subarray()
        return { expected: payload, received }
      }),
    )
    for (const { expected, received } of results) {
      expect(received.byteLength).toBe(expected.byteLength)
      expect(Buffer.compare(received, expected)).toBe(0)
    }
    await until(() => dialer.streams.length === 0 && listener.streams.length === 0)
  })

  it('a stream reset by the dialer closes with StreamResetError at the listener', async () => {
    const { dialer, listener } = muxerPair()
    const remote = new Promise<Stream>((resolve) =>
      listener.addEventListener('stream', ({ detail }) => resolve(detail)),
    )
    const stream = await dialer.createStream()
    stream.send(text('x'))
    const remoteStream = await remote
    const remoteClosed = closed(remoteStream)
    stream.abort(new Error('changed my mind'))
    expect(stream.status).toBe('aborted')
    const evt = await remoteClosed
    expect(evt.error?.name).toBe('StreamResetError')
    expect(remoteStream.status).toBe('reset')
    await until(() => listener.streams.length === 0 && dialer.streams.length === 0)
  })

  it('a stream reset by the listener closes with StreamResetError at the dialer', async () => {
    const { dialer, listener } = muxerPair()
    listener.addEventListener('stream', ({ detail }) => detail.abort(new Error('no thanks')))
    const stream = await dialer.createStream()
    const evt = closed(stream)
    stream.send(text('x'))
    expect((await evt).error?.name).toBe('StreamResetError')
    expect(() => stream.send(text('y'))).toThrow()
  })

  it('holds streams opened before a listener exists and hands them over', async () => {
    const { dialer, listener } = muxerPair()
    const stream = await dialer.createStream()
    stream.send(text('early bird'))
    await tick()
    await tick()
    const accepted = await new Promise<Stream>((resolve) =>
      listener.addEventListener('stream', ({ detail }) => resolve(detail)),
    )
    const reader = new StreamReader(accepted)
    expect(str(await reader.readExact(10))).toBe('early bird')
  })

  it('reports back-pressure on every stream while the connection is full', async () => {
    const { dialer, listener } = muxerPair({ pair: { capacity: 16 * 1024 } })
    const received: number[] = []
    listener.addEventListener('stream', ({ detail }) => {
      void readAll(detail).then((data) => received.push(data.byteLength))
    })
    const first = await dialer.createStream()
    const second = await dialer.createStream()
    await tick()
    expect(first.send(new Uint8Array(100 * 1024))).toBe(false)
    // the connection, not the stream, is full: the other stream must wait too
    expect(second.send(new Uint8Array(10))).toBe(false)
    expect(second.writableNeedsDrain).toBe(true)
    await Promise.all([first.onDrain(), second.onDrain()])
    expect(first.writableNeedsDrain).toBe(false)
    await Promise.all([first.close(), second.close()])
    await until(() => received.length === 2)
    expect(received.sort((a, b) => a - b)).toEqual([10, 100 * 1024])
  })

  it('close() closes every stream gracefully and refuses new ones', async () => {
    const { dialer, listener } = muxerPair()
    const remote: Stream[] = []
    listener.addEventListener('stream', ({ detail }) => remote.push(detail))
    const streams = await Promise.all([dialer.createStream(), dialer.createStream()])
    streams[0]!.send(text('a'))
    await dialer.close()
    expect(dialer.status).toBe('closed')
    expect(streams.map((s) => s.writeStatus)).toEqual(['closed', 'closed'])
    await expect(dialer.createStream()).rejects.toThrow(expect.objectContaining({ name: 'MuxerClosedError' }))
    await until(() => remote.length === 2 && remote.every((s) => s.remoteWriteStatus === 'closed'))
    expect(str(await readAll(remote[0]!))).toBe('a')
  })

  it('a clean close of the remote connection closes the muxer on both sides', async () => {
    const { dialer, listener, dialerConn, listenerConn } = muxerPair()
    listener.addEventListener('stream', ({ detail }) => void echo(detail))
    const stream = await dialer.createStream()
    const reply = readAll(stream)
    stream.send(text('bye'))
    await stream.close()
    expect(str(await reply)).toBe('bye')
    await dialer.close()
    await dialerConn.closeConnection()
    // the listener saw the connection end with no stream open, and closed its side
    await until(() => listenerConn.status === 'closed' && dialerConn.status === 'closed')
    expect(listener.status).toBe('closed')
  })
})
