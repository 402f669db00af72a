/** Test helpers: muxer pairs over `streamPair()`, a raw peer that speaks frames by hand, byte patterns. */
import type { Stream } from '@libp2p/interface'
import { type PairedStream, type StreamPairInit, streamPair } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { FrameDecoder } from '../src/decoder.js'
import { encodeFrameHeader, type FrameHeader } from '../src/frame.js'
import { type YamuxInit, type YamuxMuxer, yamux } from '../src/index.js'

export interface MuxerPair {
  client: YamuxMuxer
  server: YamuxMuxer
  clientConn: PairedStream
  serverConn: PairedStream
}

/** Two muxers connected by a stream pair; keep-alive off unless asked for. */
export function muxerPair(init: YamuxInit = {}, pairInit: StreamPairInit = {}): MuxerPair {
  const [clientConn, serverConn] = streamPair(pairInit)
  const factory = yamux({ enableKeepAlive: false, ...init })()
  return {
    client: factory.createStreamMuxer(clientConn),
    server: factory.createStreamMuxer(serverConn),
    clientConn,
    serverConn,
  }
}

/** Answers every inbound stream by echoing it, closing once everything the remote sent was echoed. */
export function echo(muxer: YamuxMuxer): void {
  muxer.addEventListener('stream', ({ detail: stream }) => {
    stream.addEventListener('message', (evt) => {
      if (!stream.send(evt.data)) stream.pause()
    })
    stream.addEventListener('drain', () => {
      if (stream.readStatus === 'paused') stream.resume()
    })
    stream.addEventListener('end', () => {
      stream.close().catch(() => {})
    })
  })
}

/** Reads a stream to its end. */
export async function readAll(stream: Stream): Promise<Uint8Array> {
  const list = new Uint8ArrayList()
  for await (const chunk of stream) list.append(chunk)
  return list.subarray()
}

/** Sends `data` in `chunkSize` pieces, honouring back-pressure. */
export async function writeAll(stream: Stream, data: Uint8Array, chunkSize = 64 * 1024): Promise<void> {
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    if (!stream.send(data.subarray(offset, offset + chunkSize))) await stream.onDrain()
  }
}

/** Deterministic bytes that differ per seed, so misrouted data is caught. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

export function frame(header: FrameHeader, payload?: Uint8Array): Uint8Array {
  const head = encodeFrameHeader(header)
  if (payload == null) return head
  const out = new Uint8Array(head.byteLength + payload.byteLength)
  out.set(head)
  out.set(payload, head.byteLength)
  return out
}

export interface ReceivedFrame {
  header: FrameHeader
  payload: Uint8Array
}

/** A hand-driven yamux peer: a muxer on one end of a stream pair, frames by hand on the other. */
export class RawPeer {
  readonly frames: ReceivedFrame[] = []
  readonly muxer: YamuxMuxer
  readonly conn: PairedStream
  readonly muxerConn: PairedStream
  private waiters: Array<() => void> = []

  /** `muxerIsClient`: the muxer dialed (odd ids); the raw side then opens even ids. */
  constructor(init: YamuxInit = {}, muxerIsClient = true, pairInit: StreamPairInit = {}) {
    const [outbound, inbound] = streamPair(pairInit)
    this.muxerConn = muxerIsClient ? outbound : inbound
    this.conn = muxerIsClient ? inbound : outbound
    this.muxer = yamux({ enableKeepAlive: false, ...init })().createStreamMuxer(this.muxerConn)
    let current: ReceivedFrame | undefined
    const decoder = new FrameDecoder({
      onFrame: (header) => this.record({ header, payload: new Uint8Array(0) }),
      onDataStart: (header) => {
        current = { header, payload: new Uint8Array(0) }
      },
      onData: (chunk) => {
        if (current == null) return
        const joined = new Uint8Array(current.payload.byteLength + chunk.byteLength)
        joined.set(current.payload)
        joined.set(chunk, current.payload.byteLength)
        current.payload = joined
      },
      onDataEnd: () => {
        if (current != null) this.record(current)
        current = undefined
      },
    })
    this.conn.addEventListener('message', (evt) => {
      for (const chunk of evt.data instanceof Uint8Array ? [evt.data] : evt.data) decoder.push(chunk)
    })
  }

  send(...bytes: Uint8Array[]): void {
    for (const b of bytes) this.conn.send(b)
  }

  /** Waits until a received frame matches, returning it (frames seen before count too). */
  async waitFor(match: (frame: ReceivedFrame) => boolean, timeout = 5_000): Promise<ReceivedFrame> {
    const deadline = Date.now() + timeout
    while (true) {
      const found = this.frames.find(match)
      if (found != null) return found
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame')
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  private record(received: ReceivedFrame): void {
    this.frames.push(received)
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }
}

/** Resolves on the stream's `'close'` event, with its error if any. */
export async function closed(stream: Stream): Promise<Error | undefined> {
  if (stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') return undefined
  return new Promise((resolve) => {
    stream.addEventListener('close', (evt) => resolve(evt.error), { once: true })
  })
}

export async function tick(ms = 0): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
