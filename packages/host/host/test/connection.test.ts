import {
  connectionSymbol,
  isConnection,
  type Stream,
  type StreamMuxer,
  type StreamMuxerFactory,
} from '@libp2p/interface'
import { mplex } from '@weft/mplex'
import { delay, streamPair } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { describe, expect, it } from 'vitest'
import { resolveConnectionConfig } from '../src/config.js'
import { Connection, type ConnectionInit, type ConnectionTimeoutsInit } from '../src/connection.js'
import { echo, encode, nextEvent, readAll, type TestPeer, testPeer } from './fixtures/peer.js'

interface Pair {
  a: Connection
  b: Connection
  peerA: TestPeer
  peerB: TestPeer
  muxerA: StreamMuxer
  outbound: ReturnType<typeof streamPair>[0]
}

/** Two connections over one in-memory pipe, muxed with yamux, unencrypted. */
async function pair(
  init: Pick<ConnectionInit, 'limits'> & ConnectionTimeoutsInit = {},
  muxers: StreamMuxerFactory = yamux()(),
): Promise<Pair> {
  const peerA = await testPeer()
  const peerB = await testPeer()
  const [outbound, inbound] = streamPair()
  const muxerA = muxers.createStreamMuxer(outbound)
  const muxerB = muxers.createStreamMuxer(inbound)
  const a = new Connection(peerA, {
    maConn: outbound,
    secured: outbound,
    muxer: muxerA,
    remotePeer: peerB.peerId,
    direction: 'outbound',
    multiplexer: muxers.protocol,
    limits: init.limits,
    config: resolveConnectionConfig(init),
  })
  const b = new Connection(peerB, {
    maConn: inbound,
    secured: inbound,
    muxer: muxerB,
    remotePeer: peerA.peerId,
    direction: 'inbound',
    multiplexer: muxers.protocol,
    limits: init.limits,
    config: resolveConnectionConfig(init),
  })
  return { a, b, peerA, peerB, muxerA, outbound }
}

/** Resolves when the stream closes, with the error it closed with (if any). */
async function ended(stream: Stream): Promise<Error | undefined> {
  if (stream.status !== 'open' && stream.status !== 'closing')
    return stream.status === 'closed' ? undefined : new Error(stream.status)
  return new Promise((resolve) => {
    stream.addEventListener('close', (evt) => resolve(evt.error), { once: true })
  })
}

describe('Connection', () => {
  it('is branded as a libp2p connection', async () => {
    const { a, b } = await pair()
    expect(isConnection(a)).toBe(true)
    expect(a[connectionSymbol]).toBe(true)
    expect(a.direct).toBe(true)
    expect(a.status).toBe('open')
    a.abort(new Error('done'))
    b.abort(new Error('done'))
  })

  it('opens a stream, negotiates the protocol and runs the remote handler', async () => {
    const { a, b, peerB } = await pair()
    const seen: Array<{ protocol: string; connection: unknown }> = []
    await peerB.registrar.handle('/echo/1.0.0', (stream, connection) => {
      seen.push({ protocol: stream.protocol, connection })
      echo(stream)
    })
    const stream = await a.newStream(['/nope/1.0.0', '/echo/1.0.0'])
    expect(stream.protocol).toBe('/echo/1.0.0')
    stream.send(encode('ping'))
    await stream.close()
    expect(await readAll(stream)).toBe('ping')
    expect(seen).toEqual([{ protocol: '/echo/1.0.0', connection: b }])
    await a.close()
  })

  it('optimistic selection (negotiateFully: false) returns at once and still carries data', async () => {
    const { a, peerB } = await pair()
    await peerB.registrar.handle('/echo/1.0.0', (stream) => echo(stream))
    const stream = await a.newStream('/echo/1.0.0', { negotiateFully: false })
    stream.send(encode('fast'))
    await stream.close()
    expect(await readAll(stream)).toBe('fast')
    await a.close()
  })

  it('rejects a protocol the remote does not speak, and the connection carries on', async () => {
    const { a, peerB } = await pair()
    await peerB.registrar.handle('/echo/1.0.0', (stream) => echo(stream))
    await expect(a.newStream('/nope/1.0.0')).rejects.toMatchObject({ name: 'UnsupportedProtocolError' })
    const stream = await a.newStream('/echo/1.0.0')
    stream.send(encode('still'))
    await stream.close()
    expect(await readAll(stream)).toBe('still')
    await a.close()
  })

  it('resets inbound streams beyond maxInboundStreams and keeps serving the others', async () => {
    const { a, peerB } = await pair()
    const held: Stream[] = []
    await peerB.registrar.handle('/hold/1.0.0', (stream) => void held.push(stream), { maxInboundStreams: 2 })
    await peerB.registrar.handle('/echo/1.0.0', (stream) => echo(stream))
    const streams = await Promise.all([1, 2, 3].map(async () => a.newStream('/hold/1.0.0')))
    const outcomes = await Promise.race([
      Promise.all(
        streams.map(async (stream) => Promise.race([ended(stream), delay(500).then(() => 'open')])),
      ),
    ])
    expect(outcomes.filter((outcome) => outcome === 'open')).toHaveLength(2)
    expect(outcomes.filter((outcome) => outcome instanceof Error)).toHaveLength(1)
    expect(held).toHaveLength(2)

    const stream = await a.newStream('/echo/1.0.0')
    stream.send(encode('ok'))
    await stream.close()
    expect(await readAll(stream)).toBe('ok')
    await a.close()
  })

  it('refuses outbound streams beyond maxOutboundStreams with TooManyOutboundProtocolStreamsError', async () => {
    const { a, peerA, peerB } = await pair()
    await peerB.registrar.handle('/hold/1.0.0', () => {})
    await expect(a.newStream('/hold/1.0.0', { maxOutboundStreams: 1 })).resolves.toBeDefined()
    await expect(a.newStream('/hold/1.0.0', { maxOutboundStreams: 1 })).rejects.toMatchObject({
      name: 'TooManyOutboundProtocolStreamsError',
    })
    // a local handler's limit wins over the per-call option
    await peerA.registrar.handle('/hold/1.0.0', () => {}, { maxOutboundStreams: 3 })
    await expect(a.newStream('/hold/1.0.0', { maxOutboundStreams: 1 })).resolves.toBeDefined()
    await a.close()
  })

  it('aborts the stream when the handler throws or rejects', async () => {
    const { a, peerB } = await pair()
    await peerB.registrar.handle('/throw/1.0.0', () => {
      throw new Error('handler broke')
    })
    await peerB.registrar.handle('/reject/1.0.0', async () => {
      throw new Error('handler broke later')
    })
    for (const protocol of ['/throw/1.0.0', '/reject/1.0.0']) {
      const stream = await a.newStream(protocol)
      expect(await ended(stream)).toMatchObject({ name: 'StreamResetError' })
    }
    await a.close()
  })

  it('aborts an inbound stream that never proposes a protocol', async () => {
    const { a, muxerA } = await pair({ inboundStreamProtocolNegotiationTimeout: 100 })
    const raw = await muxerA.createStream()
    // the first byte of a multistream message (a length of 19), and nothing more
    raw.send(new Uint8Array([19]))
    const started = Date.now()
    expect(await ended(raw)).toMatchObject({ name: 'StreamResetError' })
    expect(Date.now() - started).toBeLessThan(3000)
    await a.close()
  })

  it('runs middleware before the handler', async () => {
    const { a, peerB } = await pair()
    const order: string[] = []
    peerB.registrar.use('/echo/1.0.0', (stream, connection, next) => {
      order.push('middleware')
      next(stream, connection)
    })
    await peerB.registrar.handle('/echo/1.0.0', (stream) => {
      order.push('handler')
      echo(stream)
    })
    const stream = await a.newStream('/echo/1.0.0')
    stream.send(encode('x'))
    await stream.close()
    await readAll(stream)
    expect(order).toEqual(['middleware', 'handler'])
    await a.close()
  })

  it('keeps limited connections for protocols that opt in', async () => {
    const { a, peerB } = await pair({ limits: { seconds: 60 } })
    await peerB.registrar.handle('/echo/1.0.0', (stream) => echo(stream), { runOnLimitedConnection: true })
    await expect(a.newStream('/echo/1.0.0')).rejects.toMatchObject({ name: 'LimitedConnectionError' })
    const stream = await a.newStream('/echo/1.0.0', { runOnLimitedConnection: true })
    stream.send(encode('limited'))
    await stream.close()
    expect(await readAll(stream)).toBe('limited')
    await a.close()
  })

  it('close() ends both sides with close events; newStream afterwards fails', async () => {
    const { a, b } = await pair()
    const closedA = nextEvent(a, 'close')
    const closedB = nextEvent(b, 'close')
    await a.close()
    await closedA
    await closedB
    expect(a.status).toBe('closed')
    expect(b.status).not.toBe('open')
    expect(a.timeline.close).toBeTypeOf('number')
    await expect(a.newStream('/echo/1.0.0')).rejects.toMatchObject({ name: 'ConnectionClosedError' })
  })

  it.each([
    ['yamux', yamux()()],
    ['mplex', mplex()()],
  ])('closes both connections when one end of the transport connection ends (%s)', async (_name, muxers) => {
    const { a, b, outbound } = await pair({}, muxers)
    const closedA = nextEvent(a, 'close')
    const closedB = nextEvent(b, 'close')
    // the raw pipe's writable end closes under the muxer (a peer that shut its socket)
    await outbound.close()
    await closedB
    await closedA
    expect([a.status, b.status]).not.toContain('open')
  })

  it('abort() resets the connection and the remote notices', async () => {
    const { a, b } = await pair()
    const closedB = nextEvent(b, 'close')
    a.abort(new Error('bye'))
    expect(a.status).toBe('aborted')
    await closedB
    expect(b.status).not.toBe('open')
  })

  it('a muxer protocol error aborts the connection with that error, on both sides', async () => {
    const { a, b, outbound } = await pair()
    const closedA = new Promise<Error | undefined>((resolve) =>
      a.addEventListener('close', (evt) => resolve(evt.error), { once: true }),
    )
    const closedB = new Promise<Error | undefined>((resolve) =>
      b.addEventListener('close', (evt) => resolve(evt.error), { once: true }),
    )
    // a yamux frame of unknown type 7 on stream 1, written straight onto the pipe to b
    outbound.send(Uint8Array.of(0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0))
    expect(await closedB).toMatchObject({ name: 'InvalidFrameError' })
    expect(b.status).toBe('aborted')
    // b's muxer answered GoAway(protocol error): a ends with it too
    expect(await closedA).toMatchObject({ name: 'GoAwayError' })
    expect(a.status).toBe('aborted')
    await expect(a.newStream('/echo/1.0.0')).rejects.toThrow()
  })
})
