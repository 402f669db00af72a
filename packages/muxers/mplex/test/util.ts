import type { Stream, StreamCloseEvent } from '@libp2p/interface'
import { type PairedStream, type StreamPairInit, sendAll, streamPair } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { type MplexInit, type MplexMuxer, mplex } from '../src/index.js'

export interface MuxerPair {
  dialer: MplexMuxer
  listener: MplexMuxer
  /** the dialer's connection */
  dialerConn: PairedStream
  /** the listener's connection */
  listenerConn: PairedStream
}

export function muxerPair(
  init: { dialer?: MplexInit; listener?: MplexInit; pair?: StreamPairInit } = {},
): MuxerPair {
  const [dialerConn, listenerConn] = streamPair(init.pair)
  const dialer = mplex(init.dialer)().createStreamMuxer(dialerConn) as MplexMuxer
  const listener = mplex(init.listener)().createStreamMuxer(listenerConn) as MplexMuxer
  return { dialer, listener, dialerConn, listenerConn }
}

/** Sends back everything it reads, then closes its writable end. */
export async function echo(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) await sendAll(stream, chunk)
    await stream.close()
  } catch {
    // the stream was reset; tests assert on the other side
  }
}

export async function readAll(stream: Stream): Promise<Uint8ArrayList> {
  const out = new Uint8ArrayList()
  for await (const chunk of stream) out.append(chunk)
  return out
}

export function closed(target: Stream | PairedStream): Promise<StreamCloseEvent> {
  return new Promise((resolve) => {
    if (target.status === 'closed' || target.status === 'aborted' || target.status === 'reset') {
      resolve({ error: undefined } as StreamCloseEvent)
      return
    }
    target.addEventListener('close', (evt) => resolve(evt), { once: true })
  })
}

/** Deterministic pseudo-random bytes. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let state = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    out[i] = state & 0xff
  }
  return out
}

export const tick = async (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export async function until(condition: () => boolean, timeout = 5_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A listener muxer whose remote is the raw connection, for hand-made frames. */
export function rawPair(init: MplexInit = {}): {
  raw: PairedStream
  listener: MplexMuxer
  listenerConn: PairedStream
} {
  const [raw, listenerConn] = streamPair()
  const listener = mplex(init)().createStreamMuxer(listenerConn) as MplexMuxer
  return { raw, listener, listenerConn }
}
