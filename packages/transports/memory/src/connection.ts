/**
 * Two in-process `MultiaddrConnection`s joined back to back, behaving like
 * the two ends of a TCP connection:
 *
 * - bytes cross in order, after `latency` ms (or on the next macrotask);
 * - at most `capacity` bytes are in flight per direction: beyond that `send()`
 *   returns false until the peer has taken them, and a peer that is paused,
 *   or has unread bytes piling up, takes nothing (back-pressure end to end);
 * - `close()` sends a FIN after queued bytes and waits for the peer's FIN (a
 *   peer closes its side when it sees ours), bounded by `closeTimeout`;
 * - `abort()` is a reset: the bytes in flight are dropped, the peer's
 *   `'close'` event carries a `StreamResetError`; writing to a closed peer
 *   resets the writer, as a TCP RST would.
 *
 * One pending timer (or immediate) per direction at most, never one per message.
 */
import type { AbortOptions, Logger, MessageStreamEvents } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { AbstractMultiaddrConnection, anySignal, deferred, raceSignal, type SendResult } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { resolveLink } from './config.js'

export interface MemoryConnectionInit {
  remoteAddr: Multiaddr
  direction: 'inbound' | 'outbound'
  log: Logger
  /** one-way delay in ms (default 0: the next macrotask) */
  latency?: number
  /** bytes in flight per direction before `send()` asks to wait (default 256 KiB) */
  capacity?: number
  /** ms a graceful close may wait for the peer's FIN (default 500) */
  closeTimeout?: number
  maxReadBufferLength?: number
  maxWriteBufferLength?: number
}

const SEGMENT_SIZE = 64 * 1024

/** what travels to the peer: bytes, or the FIN that follows them */
type Segment = { due: number; data: Uint8ArrayList } | { due: number; data: undefined }

export class MemoryConnection extends AbstractMultiaddrConnection {
  private peer?: MemoryConnection
  private readonly latency: number
  private readonly capacity: number
  private readonly closeTimeout: number
  private readonly readHighWater: number
  /** segments on their way to the peer; `head` is the next to deliver */
  private segments: Segment[] = []
  private head = 0
  private inFlight = 0
  private timer?: ReturnType<typeof setTimeout>
  private immediate?: ReturnType<typeof setImmediate>
  private readonly remoteFin = deferred<void>()
  private readonly finished = deferred<void>()

  constructor(init: MemoryConnectionInit) {
    super({
      log: init.log,
      direction: init.direction,
      remoteAddr: init.remoteAddr,
      maxReadBufferLength: init.maxReadBufferLength,
      maxWriteBufferLength: init.maxWriteBufferLength,
      // segments of socket-like size, so one large send cannot swamp a reader
      maxMessageSize: SEGMENT_SIZE,
    })
    const link = resolveLink(init)
    this.latency = link.latency
    this.capacity = link.capacity
    this.closeTimeout = link.closeTimeout
    this.readHighWater = Math.max(1, Math.floor(this.maxReadBufferLength / 2))
    this.addEventListener('close', () => this.finished.resolve(), { once: true })
  }

  /** Joins two connections back to back. */
  static join(a: MemoryConnection, b: MemoryConnection): void {
    a.peer = b
    b.peer = a
  }

  /** bytes sent but not yet taken by the peer */
  get bytesInFlight(): number {
    return this.inFlight
  }

  /**
   * Sends a FIN after queued bytes and waits for the peer's, bounded by
   * `closeTimeout` and `options.signal`. A second call waits for the first.
   */
  override async close(options: AbortOptions = {}): Promise<void> {
    if (this.status === 'closing') {
      await raceSignal(this.finished.promise, options.signal)
      return
    }
    if (this.status !== 'open') return
    const deadline = anySignal([options.signal], this.closeTimeout)
    try {
      await super.close({ ...options, signal: deadline })
    } finally {
      deadline.clear()
    }
  }

  override addEventListener<K extends keyof MessageStreamEvents>(
    type: K,
    listener: ((evt: MessageStreamEvents[K]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options)
    // a new reader drains the read buffer (in a microtask): then take more
    if (type === 'message' && this.peer != null) queueMicrotask(() => this.peer?.schedule())
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    if (this.peer == null) throw new Error('memory connection is not joined to a peer')
    this.enqueue({ due: performance.now() + this.latency, data })
    this.inFlight += data.byteLength
    return { sentBytes: data.byteLength, canSendMore: this.inFlight < this.capacity }
  }

  protected sendReset(): void {
    this.dropSegments()
    const peer = this.peer
    if (peer == null) return
    // a reset overtakes the bytes in flight
    if (this.latency > 0) setTimeout(() => peer.receiveReset(), this.latency)
    else setImmediate(() => peer.receiveReset())
  }

  protected async sendClose(options?: AbortOptions): Promise<void> {
    this.enqueue({ due: performance.now() + this.latency, data: undefined })
    try {
      await raceSignal(this.remoteFin.promise, options?.signal)
    } catch (err) {
      // everything was sent; only the peer's FIN is missing (it is paused or
      // stalled). The FIN stays queued for it, as a kernel would keep it.
      this.log('peer did not close in time: %s', (err as Error).message)
    }
  }

  protected override sendResume(): void {
    this.peer?.schedule()
  }

  // ---- receiving, called by the peer ------------------------------------------

  /** true when this end takes bytes now; a dead end takes (and drops) anything */
  private accepts(): boolean {
    if (this.status !== 'open' && this.status !== 'closing') return true
    return this.readStatus !== 'paused' && this.readBuffer.byteLength < this.readHighWater
  }

  private receive(data: Uint8ArrayList): void {
    if (this.status === 'open' || this.status === 'closing') {
      this.onData(data)
      return
    }
    // bytes for a connection that is gone: answer with a reset, as TCP does
    const peer = this.peer
    if (peer != null) setImmediate(() => peer.receiveReset())
  }

  private receiveFin(): void {
    if (this.status !== 'open' && this.status !== 'closing') return
    this.remoteFin.resolve()
    this.onRemoteCloseWrite()
    if (this.status === 'open') {
      this.close().catch((err: Error) => this.log.error('closing after the peer FIN failed: %s', err.message))
    }
  }

  private receiveReset(): void {
    this.dropSegments()
    this.onRemoteReset()
  }

  // ---- the one-way link to the peer ---------------------------------------------

  private enqueue(segment: Segment): void {
    this.segments.push(segment)
    this.schedule()
  }

  /** Arranges one delivery pass, when the head segment is due. */
  private schedule(): void {
    if (this.timer != null || this.immediate != null || this.head >= this.segments.length) return
    const wait = this.segments[this.head].due - performance.now()
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.deliver()
      }, Math.ceil(wait))
    } else {
      this.immediate = setImmediate(() => {
        this.immediate = undefined
        this.deliver()
      })
    }
  }

  /** Hands every due segment to the peer while it takes them. */
  private deliver(): void {
    const peer = this.peer
    if (peer == null) return
    const now = performance.now()
    while (this.head < this.segments.length) {
      const segment = this.segments[this.head]
      if (segment.due > now || !peer.accepts()) break
      this.segments[this.head++] = undefined as unknown as Segment
      if (segment.data == null) {
        peer.receiveFin()
      } else {
        this.inFlight -= segment.data.byteLength
        peer.receive(segment.data)
      }
    }
    this.compact()
    // a peer that does not accept calls schedule() again when it does
    if (this.head < this.segments.length && this.segments[this.head].due > now) this.schedule()
    if (this.writableNeedsDrain && this.inFlight < this.capacity) this.onDrained()
  }

  private compact(): void {
    if (this.head === this.segments.length) {
      this.segments = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.segments.length) {
      this.segments = this.segments.slice(this.head)
      this.head = 0
    }
  }

  private dropSegments(): void {
    this.segments = []
    this.head = 0
    this.inFlight = 0
    if (this.timer != null) clearTimeout(this.timer)
    if (this.immediate != null) clearImmediate(this.immediate)
    this.timer = undefined
    this.immediate = undefined
  }
}

export interface MemoryPairInit extends Omit<MemoryConnectionInit, 'remoteAddr' | 'direction' | 'log'> {
  /** what the dialling end reports as its remote: the address it dialled */
  dialledAddr: Multiaddr
  /** what the listening end reports as its remote */
  dialerAddr: Multiaddr
  log: Logger
}

/** Returns [outbound, inbound], joined. */
export function memoryConnectionPair(init: MemoryPairInit): [MemoryConnection, MemoryConnection] {
  const { dialledAddr, dialerAddr, log, ...rest } = init
  const outbound = new MemoryConnection({
    ...rest,
    remoteAddr: dialledAddr,
    direction: 'outbound',
    log: log.newScope('outbound'),
  })
  const inbound = new MemoryConnection({
    ...rest,
    remoteAddr: dialerAddr,
    direction: 'inbound',
    log: log.newScope('inbound'),
  })
  MemoryConnection.join(outbound, inbound)
  return [outbound, inbound]
}
