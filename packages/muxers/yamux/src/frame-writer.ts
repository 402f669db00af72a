/**
 * The outgoing side of a session. Frames produced in the same tick are
 * coalesced into one `send` on the connection (at the end of the tick, or at
 * once past 256 KiB). Headers are cut from a slab shared by every session of
 * the process (a slab is never rewritten, only replaced when full, so an idle
 * session holds no header memory) and adjacent headers go out as one view; Data payloads are appended as the caller's own
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

/** The slab headers are cut from, shared by all writers; replaced, never reused, when full. */
let sharedSlab: Uint8Array | undefined
let sharedSlabOffset = 0
const FLUSH_THRESHOLD = 256 * 1024
const MAX_BLOCKED_BYTES = 1024 * 1024

/**
 * Queued frames go out after the current task and all its promise
 * continuations, before any more I/O (`setImmediate`): a listener's
 * multistream answer, the handler's reply and its FIN leave in one write,
 * as does a writer resuming after `await onDrain()`. (`nextTick` would run
 * before the promise continuations queued by the same task, splitting them.)
 * Browsers lack `setImmediate` and get the end of the current microtask run.
 */
const scheduleFlush: (task: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (task) => setImmediate(task) : queueMicrotask

export class FrameWriter {
  private bufs: Uint8Array[] = []
  private bytes = 0
  /** the slab holding the run of headers that ends `bufs`, if `runStart` >= 0 */
  private runSlab?: Uint8Array
  /** where in `runSlab` the run of headers ending `bufs` starts, or -1 */
  private runStart = -1
  /** where that run ends */
  private runEnd = 0
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
    this.runSlab = undefined
    this.waiting.clear()
  }

  private appendHeader(type: FrameType, flags: number, streamId: number, length: number): void {
    let slab = sharedSlab
    if (slab == null || sharedSlabOffset + HEADER_LENGTH > slab.byteLength) {
      slab = new Uint8Array(SLAB_SIZE)
      sharedSlab = slab
      sharedSlabOffset = 0
    }
    const start = sharedSlabOffset
    encodeHeader(slab, start, type, flags, streamId, length)
    const end = start + HEADER_LENGTH
    sharedSlabOffset = end
    this.bytes += HEADER_LENGTH
    if (this.runStart >= 0 && this.runSlab === slab && this.runEnd === start) {
      // the previous buf is a run of headers ending right here: extend it
      this.bufs[this.bufs.length - 1] = slab.subarray(this.runStart, end)
    } else {
      this.runSlab = slab
      this.runStart = start
      this.bufs.push(slab.subarray(start, end))
    }
    this.runEnd = end
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
    this.runSlab = undefined
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
