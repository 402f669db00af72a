/**
 * Two connected in-memory streams, for tests and the memory transport. Bytes
 * cross on the next macrotask, in order; `capacity` bounds the bytes in
 * flight, so back-pressure behaves as on a socket.
 */
import type { AbortOptions, MultiaddrConnection } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'
import { logger } from './logger.js'
import type { SendResult } from './message-stream.js'
import { AbstractStream } from './stream.js'

export interface StreamPairInit {
  /** bytes in flight before `send` asks the writer to wait for drain (default 256 KiB) */
  capacity?: number
  /** extra milliseconds before bytes arrive (default 0) */
  delay?: number
  remoteAddr?: Multiaddr
  maxReadBufferLength?: number
}

let nextId = 0

export class PairedStream extends AbstractStream implements MultiaddrConnection {
  remoteAddr: Multiaddr
  peer?: PairedStream
  private inFlight = 0
  /** deliveries held while this side is paused, as a socket holds bytes in the kernel */
  private held: Array<() => void> = []

  constructor(
    id: string,
    direction: 'inbound' | 'outbound',
    private readonly pairInit: StreamPairInit,
  ) {
    super({
      id,
      direction,
      log: logger(`weft:stream-pair:${id}`),
      maxReadBufferLength: pairInit.maxReadBufferLength,
    })
    this.remoteAddr = pairInit.remoteAddr ?? multiaddr('/memory/stream-pair')
  }

  override timeline: MultiaddrConnection['timeline'] = { open: Date.now() }

  private later(fn: () => void): void {
    const ms = this.pairInit.delay ?? 0
    if (ms > 0) setTimeout(fn, ms)
    else setImmediate(fn)
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    const peer = this.peer
    if (peer == null) throw new Error('stream pair is not connected')
    const bytes = data.subarray()
    this.inFlight += bytes.byteLength
    const deliver = (): void => {
      this.inFlight -= bytes.byteLength
      if (peer.status === 'open' || peer.status === 'closing') peer.receive(bytes)
      if (this.writableNeedsDrain && this.inFlight < (this.pairInit.capacity ?? 256 * 1024)) this.onDrained()
    }
    this.later(() => peer.deliverOrHold(deliver))
    return {
      sentBytes: bytes.byteLength,
      canSendMore: this.inFlight < (this.pairInit.capacity ?? 256 * 1024),
    }
  }

  protected sendReset(): void {
    const peer = this.peer
    this.later(() => peer?.remoteReset())
  }

  protected sendCloseWrite(): void {
    const peer = this.peer
    this.later(() => peer?.deliverOrHold(() => peer.remoteCloseWrite()))
  }

  protected override sendResume(): void {
    while (this.held.length > 0 && this.readStatus !== 'paused') this.held.shift()!()
  }

  private deliverOrHold(deliver: () => void): void {
    if (this.readStatus === 'paused' || this.held.length > 0) this.held.push(deliver)
    else deliver()
  }

  protected sendCloseRead(): void {}

  /** Full close, as a transport connection does. */
  async closeConnection(options?: AbortOptions): Promise<void> {
    await super.close(options)
  }

  private receive(bytes: Uint8Array): void {
    this.onData(bytes)
  }

  private remoteReset(): void {
    this.onRemoteReset()
  }

  private remoteCloseWrite(): void {
    this.onRemoteCloseWrite()
  }
}

/** Returns [outbound, inbound], connected to each other. */
export function streamPair(init: StreamPairInit = {}): [PairedStream, PairedStream] {
  const id = nextId++
  const a = new PairedStream(`${id}a`, 'outbound', init)
  const b = new PairedStream(`${id}b`, 'inbound', init)
  a.peer = b
  b.peer = a
  return [a, b]
}
