/**
 * The outgoing side of a session. Frames produced in the same tick are
 * coalesced into one `send` on the connection (at the end of the tick, or at
 * once past 256 KiB). Headers are written into a shared slab and adjacent
 * headers go out as one view; Data payloads are appended as the caller's own
 * `Uint8Array`s, never copied.
 *
 * When the connection's `send` returns false the writer is not `writable`:
 * streams stop producing Data frames and wait (`waitForDrain`) until the
 * connection's `'drain'`, when they are resumed in the order they waited.
 * Control frames (window updates, pings, resets) still queue meanwhile, up to
 * 1 MiB; beyond that the remote is not reading and the session fails.
 */
import type { MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { SendQueueFullError } from './errors.js'
import { encodeHeader, FrameType, HEADER_LENGTH } from './frame.js'

/** A stream waiting for the connection to accept bytes again. */
export interface DrainListener {
  onConnectionDrained(): void
}

const SLAB_SIZE = HEADER_LENGTH * 512
const FLUSH_THRESHOLD = 256 * 1024
const MAX_BLOCKED_BYTES = 1024 * 1024

/**
 * Node's `nextTick` runs after every pending promise continuation, so a writer
 * that resumes after `await onDrain()` adds its frames to the same batch;
 * elsewhere a microtask.
 */
const scheduleFlush: (task: () => void) => void =
  typeof globalThis.process?.nextTick === 'function' ? globalThis.process.nextTick : queueMicrotask

export class FrameWriter {
  private bufs: Uint8Array[] = []
  private bytes = 0
  private slab = new Uint8Array(SLAB_SIZE)
  private slabOffset = 0
  /** where in `slab` the run of headers ending `bufs` starts, or -1 */
  private runStart = -1
  private flushScheduled = false
  private needsDrain = false
  private closed = false
  private readonly waiting = new Set<DrainListener>()

  constructor(
    private readonly conn: MessageStream,
    /** called (on a microtask) when the connection rejects bytes or the queue overflows */
    private readonly onError: (err: Error) => void,
  ) {}

  /** False while the connection asks us to wait for `'drain'`, or once closed. */
  get writable(): boolean {
    return !this.needsDrain && !this.closed
  }

  /** Bytes queued and not yet handed to the connection. */
  get queuedBytes(): number {
    return this.bytes
  }

  /** Queues a frame without payload (Window Update, Ping, GoAway). */
  control(type: FrameType, flags: number, streamId: number, length: number): void {
    if (this.closed) return
    this.appendHeader(type, flags, streamId, length)
    this.afterAppend()
  }

  /** Queues a Data frame; `payload` is kept by reference. */
  data(flags: number, streamId: number, payload: Uint8ArrayList | Uint8Array): void {
    if (this.closed) return
    this.appendHeader(FrameType.Data, flags, streamId, payload.byteLength)
    if (payload instanceof Uint8Array) {
      if (payload.byteLength > 0) this.bufs.push(payload)
    } else {
      for (const buf of payload) this.bufs.push(buf)
    }
    this.bytes += payload.byteLength
    this.runStart = -1
    this.afterAppend()
  }

  /** Resumes `listener` after the next `'drain'` of the connection. */
  waitForDrain(listener: DrainListener): void {
    this.waiting.delete(listener)
    this.waiting.add(listener)
  }

  forget(listener: DrainListener): void {
    this.waiting.delete(listener)
  }

  /** Hands queued frames to the connection unless it asked us to wait. */
  flush(): void {
    if (this.needsDrain) return
    this.flushNow()
  }

  /** Hands queued frames to the connection even if it asked us to wait (when closing). */
  flushNow(): void {
    if (this.closed || this.bytes === 0) return
    const data = this.take()
    let accepted: boolean
    try {
      accepted = this.conn.send(data)
    } catch (err) {
      this.fail(err as Error)
      return
    }
    if (!accepted) this.needsDrain = true
  }

  /** The connection emitted `'drain'`. */
  onConnectionDrain(): void {
    if (!this.needsDrain || this.closed) return
    this.needsDrain = false
    this.flush()
    const listeners = Array.from(this.waiting)
    this.waiting.clear()
    for (let i = 0; i < listeners.length; i++) {
      if (!this.writable) {
        // the connection filled up again: those not yet resumed go first next time
        const requeued = Array.from(this.waiting)
        this.waiting.clear()
        for (let j = i; j < listeners.length; j++) this.waiting.add(listeners[j])
        for (const listener of requeued) this.waiting.add(listener)
        return
      }
      listeners[i].onConnectionDrained()
    }
  }

  /** Drops queued frames; everything queued later is ignored. */
  close(): void {
    this.closed = true
    this.bufs = []
    this.bytes = 0
    this.runStart = -1
    this.waiting.clear()
  }

  private appendHeader(type: FrameType, flags: number, streamId: number, length: number): void {
    if (this.slabOffset + HEADER_LENGTH > this.slab.byteLength) {
      this.slab = new Uint8Array(SLAB_SIZE)
      this.slabOffset = 0
      this.runStart = -1
    }
    const start = this.slabOffset
    encodeHeader(this.slab, start, type, flags, streamId, length)
    this.slabOffset = start + HEADER_LENGTH
    this.bytes += HEADER_LENGTH
    if (this.runStart >= 0) {
      // the previous buf is a run of headers ending right here: extend it
      this.bufs[this.bufs.length - 1] = this.slab.subarray(this.runStart, this.slabOffset)
    } else {
      this.runStart = start
      this.bufs.push(this.slab.subarray(start, this.slabOffset))
    }
  }

  private afterAppend(): void {
    if (this.needsDrain) {
      if (this.bytes > MAX_BLOCKED_BYTES) {
        this.fail(
          new SendQueueFullError(
            `${this.bytes} bytes of frames wait for a connection that does not drain (limit ${MAX_BLOCKED_BYTES})`,
          ),
        )
      }
      return
    }
    if (this.bytes >= FLUSH_THRESHOLD) {
      this.flush()
    } else if (!this.flushScheduled) {
      this.flushScheduled = true
      scheduleFlush(this.flushTask)
    }
  }

  private readonly flushTask = (): void => {
    this.flushScheduled = false
    this.flush()
  }

  private take(): Uint8Array | Uint8ArrayList {
    const bufs = this.bufs
    this.bufs = []
    this.bytes = 0
    this.runStart = -1
    if (bufs.length === 1) return bufs[0]
    const list = new Uint8ArrayList()
    list.appendAll(bufs)
    return list
  }

  private fail(err: Error): void {
    if (this.closed) return
    this.close()
    queueMicrotask(() => this.onError(err))
  }
}
