/** The stream manager's limits as a hostile peer meets them: each breach is the RFC 9000 connection error. */
import { logger } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import { QuicConnection } from '../src/connection/connection.js'
import { handleFrame } from '../src/connection/frame-handler.js'
import { StreamManager } from '../src/connection/streams.js'
import { QuicTransportError, TransportErrorCode } from '../src/errors.js'
import { DEFAULT_TRANSPORT_PARAMETERS } from '../src/transport-parameters.js'
import { OPTIONS } from './connection-pair.js'
import { identity } from './tls-fixtures.js'

const limits = { streamWindow: 1000, connectionWindow: 1500, maxIncomingStreams: 2, writeHighWater: 1000 }

function server(): StreamManager {
  const streams = new StreamManager(false, limits)
  streams.setPeerParameters({
    ...DEFAULT_TRANSPORT_PARAMETERS,
    initialMaxStreamsBidi: 4,
    initialMaxData: 10_000,
  })
  return streams
}

function code(run: () => void): number | undefined {
  try {
    run()
  } catch (err) {
    if (err instanceof QuicTransportError) return err.code
    throw err
  }
  return undefined
}

const data = (length: number): Uint8Array => new Uint8Array(length)

describe('StreamManager against a hostile peer', () => {
  it('refuses unidirectional streams and streams beyond MAX_STREAMS', () => {
    const streams = server()
    const opened: number[] = []
    streams.onIncoming = (stream) => opened.push(stream.id)
    expect(
      code(() => streams.onFrame({ type: 'stream', streamId: 2, offset: 0, data: data(1), fin: false })),
    ).toBe(TransportErrorCode.STREAM_LIMIT_ERROR)
    // client-initiated bidirectional: 0 and 4 fit a limit of 2, 8 does not
    streams.onFrame({ type: 'stream', streamId: 4, offset: 0, data: data(1), fin: false })
    expect(opened).toEqual([0, 4])
    expect(
      code(() => streams.onFrame({ type: 'stream', streamId: 8, offset: 0, data: data(1), fin: false })),
    ).toBe(TransportErrorCode.STREAM_LIMIT_ERROR)
  })

  it('refuses data past the stream window, the connection window, or a final size', () => {
    const streams = server()
    expect(
      code(() => streams.onFrame({ type: 'stream', streamId: 0, offset: 900, data: data(101), fin: false })),
    ).toBe(TransportErrorCode.FLOW_CONTROL_ERROR)
    const other = server()
    other.onFrame({ type: 'stream', streamId: 0, offset: 999, data: data(1), fin: false })
    expect(
      code(() => other.onFrame({ type: 'stream', streamId: 4, offset: 999, data: data(1), fin: false })),
    ).toBe(TransportErrorCode.FLOW_CONTROL_ERROR)
    const sized = server()
    sized.onFrame({ type: 'stream', streamId: 0, offset: 0, data: data(10), fin: true })
    expect(
      code(() => sized.onFrame({ type: 'stream', streamId: 0, offset: 10, data: data(1), fin: false })),
    ).toBe(TransportErrorCode.FINAL_SIZE_ERROR)
    // a reset may not change the final size either (RFC 9000 §4.5)
    expect(code(() => sized.onFrame({ type: 'reset-stream', streamId: 0, errorCode: 0, finalSize: 5 }))).toBe(
      TransportErrorCode.FINAL_SIZE_ERROR,
    )
  })

  it('refuses frames for a stream of ours that was never opened', () => {
    const streams = server()
    expect(code(() => streams.onFrame({ type: 'max-stream-data', streamId: 1, maximum: 10 }))).toBe(
      TransportErrorCode.STREAM_STATE_ERROR,
    )
  })

  it('credits the peer as data is delivered, and withholds credit while the reader is paused', () => {
    const streams = server()
    let stream: ReturnType<StreamManager['open']> | undefined
    streams.onIncoming = (incoming) => {
      stream = incoming
    }
    // credit goes out once less than half a window is left
    streams.onFrame({ type: 'stream', streamId: 0, offset: 0, data: data(400), fin: false })
    expect(streams.takeControl()).toEqual([])
    streams.onFrame({ type: 'stream', streamId: 0, offset: 400, data: data(400), fin: false })
    const credit = streams.takeControl()
    expect(credit).toContainEqual({ type: 'max-stream-data', streamId: 0, maximum: 1800 })
    expect(credit).toContainEqual({ type: 'max-data', maximum: 2300 })
    streams.setPaused(stream as NonNullable<typeof stream>, true)
    streams.onFrame({ type: 'stream', streamId: 0, offset: 800, data: data(900), fin: false })
    expect(streams.takeControl().some((frame) => frame.type === 'max-stream-data')).toBe(false)
    streams.setPaused(stream as NonNullable<typeof stream>, false)
    expect(streams.takeControl()).toContainEqual({ type: 'max-stream-data', streamId: 0, maximum: 2700 })
  })
})

describe('CRYPTO flood', () => {
  it('CRYPTO data more than 64 KiB ahead is CRYPTO_BUFFER_EXCEEDED', async () => {
    const { certificate } = await identity()
    const connection = new QuicConnection({
      ...OPTIONS,
      role: 'client',
      certificate,
      log: logger('weft:quic:test'),
      send: () => {},
    })
    expect(
      code(() => handleFrame(connection, 'initial', { type: 'crypto', offset: 64 * 1024, data: data(100) })),
    ).toBe(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED)
    connection.finish()
  })
})
