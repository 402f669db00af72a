/**
 * The hostile client's moves against one host under test: raw sockets that
 * write bytes, a socket that has agreed `/noise`, and Noise-secured yamux or
 * mplex sessions with a probe stream the host's handler holds. Every socket
 * it opens is remembered and destroyed by `destroyAll()` after the case.
 */
import { type Stream, type StreamMuxer, setMaxListeners } from '@libp2p/interface'
import { PROTOCOL_ID as MULTISTREAM, select } from '@weft/multistream'
import { expect } from 'vitest'
import { CLOSE_BOUND, type HostUnderTest, NEGOTIATION_TIMEOUT, PROBE, streamCloseError } from './hosts.js'
import { concat, MplexType, mplexFrame, YamuxFrameLog, yamuxOpenWithData } from './muxer-wire.js'
import { msMessage, msMessages, RawPeer } from './raw-peer.js'
import { onPlaintext, type SecuredPeer, type SecuredPeerOptions, securedPeer } from './secured-peer.js'

export const YAMUX = '/yamux/1.0.0'
export const MPLEX = '/mplex/6.7.0'

/** A 2-byte big-endian length, then the message (Noise framing); `announced` may lie. */
export function noiseFrame(message: Uint8Array, announced = message.byteLength): Uint8Array {
  const out = new Uint8Array(2 + message.byteLength)
  new DataView(out.buffer).setUint16(0, announced)
  out.set(message, 2)
  return out
}

export class Attacker {
  private readonly open: Array<{ destroy(): void }> = []

  constructor(private readonly target: HostUnderTest) {}

  destroyAll(): void {
    for (const peer of this.open.splice(0)) peer.destroy()
  }

  async raw(): Promise<RawPeer> {
    const raw = await RawPeer.connect(this.target.port)
    this.open.push(raw)
    return raw
  }

  /** A raw socket that writes `chunks` (then FIN when `end`); resolves with why the host closed it. */
  async feed(chunks: Uint8Array[], end = false): Promise<{ raw: RawPeer; reason?: Error }> {
    const raw = await this.raw()
    for (const chunk of chunks) raw.write(chunk)
    if (end) raw.end()
    const reason = await this.target.inboundClosed(raw.localPort)
    await raw.waitClosed(CLOSE_BOUND)
    return { raw, reason }
  }

  /** A raw socket that has agreed `/noise` with the host and sends nothing more yet. */
  async noiseAgreed(): Promise<RawPeer> {
    const raw = await this.raw()
    raw.write(concat([msMessage(MULTISTREAM), msMessage('/noise')]))
    await raw.until(() => msMessages(raw.received).length === 2, CLOSE_BOUND, 'the /noise echo')
    expect(msMessages(raw.received)).toEqual([MULTISTREAM, '/noise'])
    return raw
  }

  /** A socket secured with a real Noise handshake, with `muxer` agreed when given. */
  /** `options.privateKey`: a peer of its own (default: the one identity every attacker shares) */
  async secured(muxer?: string, options: SecuredPeerOptions = {}): Promise<SecuredPeer> {
    const peer = await securedPeer(this.target.port, muxer, options)
    this.open.push(peer)
    return peer
  }

  /** A yamux session with a probe stream (id 1) the host handed to its handler. */
  async yamuxSession(): Promise<{ hostile: SecuredPeer; frames: YamuxFrameLog; probe: Stream }> {
    const hostile = await this.secured(YAMUX)
    const frames = new YamuxFrameLog()
    onPlaintext(hostile, (chunk) => frames.push(chunk))
    hostile.secured.send(yamuxOpenWithData(1, concat([msMessage(MULTISTREAM), msMessage(PROBE)])))
    const probe = await this.target.probe(hostile.localPort)
    expect((await this.target.connection(hostile.localPort)).multiplexer).toBe(YAMUX)
    return { hostile, frames, probe }
  }

  /** An mplex session with a probe stream (id 0) the host handed to its handler. */
  async mplexSession(): Promise<{ hostile: SecuredPeer; probe: Stream }> {
    const hostile = await this.secured(MPLEX)
    hostile.secured.send(
      concat([
        mplexFrame(0, MplexType.NewStream, new TextEncoder().encode('0')),
        mplexFrame(0, MplexType.MessageInitiator, concat([msMessage(MULTISTREAM), msMessage(PROBE)])),
      ]),
    )
    const probe = await this.target.probe(hostile.localPort)
    expect((await this.target.connection(hostile.localPort)).multiplexer).toBe(MPLEX)
    return { hostile, probe }
  }

  /**
   * After a muxer-level violation: the probe stream ends with `name`, the
   * host's connection closes (`connection:close`) and so does the socket. A
   * connection aborted from below (Noise, mplex) carries `name` too; yamux
   * instead closes the connection gracefully after its GoAway (so the frame
   * reaches the peer): pass `null`, its error shows on the streams and on
   * the wire.
   */
  async expectConnectionFailed(
    hostile: SecuredPeer,
    probe: Stream,
    name: string,
    connectionError: string | null = name,
  ): Promise<void> {
    expect(await streamCloseError(probe)).toMatchObject({ name })
    expect((await this.target.connectionClosed(hostile.localPort))?.name ?? null).toBe(connectionError)
    await hostile.waitClosed(CLOSE_BOUND)
  }
}

/** Opens `count` streams on a well-behaved `muxer` and never negotiates; resolves with how each ended. */
export async function silentStreams(muxer: StreamMuxer, count: number): Promise<Array<string | undefined>> {
  const signal = AbortSignal.timeout(30_000)
  // every stream waiting for the ACK backlog listens on it
  setMaxListeners(Number.POSITIVE_INFINITY, signal)
  return Promise.all(
    Array.from({ length: count }, async () => {
      const stream = await muxer.createStream({ signal })
      // a generous bound: the host resets each stream NEGOTIATION_TIMEOUT after it opened
      return (await streamCloseError(stream, NEGOTIATION_TIMEOUT + 3 * CLOSE_BOUND))?.name
    }),
  )
}

/** `newStream` on a bare muxer: a stream, then multistream-select. */
export function negotiatingConnection(muxer: StreamMuxer): {
  newStream(protocol: string, options: { signal: AbortSignal }): Promise<Stream>
} {
  return {
    newStream: async (protocol, options) => {
      const stream = await muxer.createStream(options)
      await select(stream, protocol, options)
      return stream
    },
  }
}

/** Heap in use after a full GC, or undefined when `global.gc` is not exposed (`--expose-gc`). */
export function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc
  if (typeof gc !== 'function') return undefined
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** heap growth allowed across a flood */
export const HEAP_GROWTH_CAP = 64 * 1024 * 1024

/** Fails when the heap grew by more than the cap since `before` (skipped without `global.gc`). */
export function expectBoundedHeap(before: number | undefined): void {
  const after = heapAfterGc()
  if (before != null && after != null) expect(after - before).toBeLessThan(HEAP_GROWTH_CAP)
}
