/**
 * The sending half of the muxer: encodes frames and coalesces the frames
 * written in one tick into a single `send` on the connection (or sends at
 * once when 64 KiB are queued). It remembers when the connection asked for a
 * drain so streams can report `canSendMore: false` until its `'drain'`.
 *
 * Headers and small bodies are written back to back into a slab and handed
 * on as one view per run, so a burst of small frames costs one view, not one
 * per frame; large bodies are appended as the caller's views (never copied).
 * A slab is never rewritten once part of it was handed on (the layer below
 * may keep the views), so a full slab is replaced. The slab is shared by
 * every writer of the process and allocated on first use: an idle connection
 * holds none of it (it was 64 KiB per connection).
 */
import type { MessageStream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { MAX_HEADER_BYTES, type MessageType, writeFrameHeader } from './frame.js'

/** Bodies up to this size are copied next to their header. */
const INLINE_BODY_LIMIT = 1024
const SLAB_SIZE = 64 * 1024

/** The slab every writer cuts its runs from; replaced, never reused, when full. */
let sharedSlab: Uint8Array | undefined
let sharedOffset = 0

/**
 * When queued frames go out: after the current task and its promise
 * continuations (so `await createStream()`, `send()` and `await close()` in a
 * row share one write), before any I/O. Browsers lack `setImmediate` and get
 * the end of the current microtask run instead.
 */
const schedule: (task: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (task) => setImmediate(task) : queueMicrotask

export class FrameWriter {
  /** frames handed out of the slab, and large bodies */
  private pending = new Uint8ArrayList()
  /** the slab holding this writer's bytes not yet moved to `pending`: [runStart, runEnd) */
  private runSlab?: Uint8Array
  private runStart = 0
  private runEnd = 0
  private flushScheduled = false
  private closed = false
  /** true from a `send` that returned false until the connection's `'drain'` */
  blocked = false

  constructor(
    private readonly connection: MessageStream,
    /** called (in a microtask) when the connection refuses bytes */
    private readonly onError: (err: Error) => void,
    /** queued bytes that trigger a send at once rather than at the end of the tick */
    private readonly flushThreshold = 64 * 1024,
  ) {
    this.flushTask = this.flushTask.bind(this)
  }

  /** Bytes queued for the next send. */
  get pendingBytes(): number {
    return this.pending.byteLength + this.runEnd - this.runStart
  }

  /** Queues one frame; returns false while the connection wants to drain. */
  write(id: number, type: MessageType, body?: Uint8Array | Uint8ArrayList): boolean {
    if (this.closed) return false
    const length = body?.byteLength ?? 0
    const inline = length <= INLINE_BODY_LIMIT
    const slab = this.reserve(MAX_HEADER_BYTES + (inline ? length : 0))
    let offset = writeFrameHeader(slab, sharedOffset, id, type, length)
    if (length > 0 && inline) {
      // a list's subarray() is its only buf when it has one (no copy)
      const bytes = body instanceof Uint8Array ? body : body!.subarray()
      slab.set(bytes, offset)
      offset += length
    }
    sharedOffset = offset
    this.runEnd = offset
    if (length > 0 && !inline) {
      this.endRun()
      this.pending.append(body!)
    }
    if (this.pendingBytes >= this.flushThreshold) {
      this.flush()
    } else if (!this.flushScheduled) {
      this.flushScheduled = true
      schedule(this.flushTask)
    }
    return !this.blocked
  }

  /** Hands every queued frame to the connection now. */
  flush(): void {
    if (this.closed) return
    this.endRun()
    if (this.pending.byteLength === 0) return
    const batch = this.pending
    this.pending = new Uint8ArrayList()
    try {
      if (!this.connection.send(batch)) this.blocked = true
    } catch (err) {
      this.closed = true
      // report outside the caller's stack: it may be a stream in the middle of sending
      queueMicrotask(() => this.onError(err as Error))
    }
  }

  /** Drops queued frames and refuses new ones. */
  close(): void {
    this.closed = true
    this.pending = new Uint8ArrayList()
    this.runStart = this.runEnd
    this.runSlab = undefined
  }

  /** Moves the slab bytes written so far to `pending`, as one view. */
  private endRun(): void {
    if (this.runSlab == null || this.runEnd === this.runStart) return
    this.pending.append(this.runSlab.subarray(this.runStart, this.runEnd))
    this.runStart = this.runEnd
  }

  /**
   * The shared slab with room for `bytes` at `sharedOffset`. When another
   * writer wrote since our last frame (or the slab was replaced), our run so
   * far is handed to `pending` and a new one starts here.
   */
  private reserve(bytes: number): Uint8Array {
    let slab = sharedSlab
    if (slab == null || sharedOffset + bytes > slab.byteLength) {
      slab = new Uint8Array(Math.max(SLAB_SIZE, bytes))
      sharedSlab = slab
      sharedOffset = 0
    }
    if (this.runSlab !== slab || this.runEnd !== sharedOffset) {
      this.endRun()
      this.runSlab = slab
      this.runStart = sharedOffset
      this.runEnd = sharedOffset
    }
    return slab
  }

  private flushTask(): void {
    this.flushScheduled = false
    this.flush()
  }
}
