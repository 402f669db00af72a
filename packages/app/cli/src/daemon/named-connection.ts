/**
 * A named connection (P2PD's "con"): a weft connection plus one stream on
 * `/weft/daemon/pipe/1.0.0`. The stream carries varint length-prefixed
 * frames; the opener's first frame is a JSON header naming the connection,
 * so the other daemon lists it under the same name. Each frame is one
 * message for /send, /recv and /binary; a /tunnel turns socket reads into
 * frames and writes received frames back out raw.
 *
 * Bounded: a frame is at most MAX_FRAME bytes, the receive queue at most
 * MAX_QUEUED_BYTES; when it is full the stream is no longer read, so the
 * peer's writes wait (yamux window) instead of filling memory.
 */
import type { Connection, Stream } from '@libp2p/interface'
import { encodeLengthPrefixed, LengthPrefixedDecoder } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

export const PIPE_PROTOCOL = '/weft/daemon/pipe/1.0.0'
export const MAX_FRAME = 256 * 1024
export const MAX_QUEUED_BYTES = 16 * 1024 * 1024
export const MAX_QUEUED_MESSAGES = 4096

/** Where received frames go while a tunnel is attached. */
export interface FrameSink {
  /** false: wait for `drained()` before the next write */
  write(bytes: Uint8Array): boolean
  drained(): Promise<void>
  end(): void
}

export type TrafficCounter = (direction: 'in' | 'out', bytes: number) => void

interface Waiter {
  pattern: RegExp | undefined
  resolve(message: Uint8Array | undefined): void
}

export class NamedConnection {
  readonly name: string
  readonly connection: Connection
  readonly stream: Stream
  readonly opened = Date.now()
  bytesIn = 0
  bytesOut = 0
  closed = false
  private readonly queue: Uint8Array[] = []
  private queuedBytes = 0
  private readonly waiters = new Set<Waiter>()
  private sink: FrameSink | undefined
  private spaceWaiter: (() => void) | undefined
  private readonly onClose: () => void
  private readonly count: TrafficCounter

  constructor(
    name: string,
    connection: Connection,
    stream: Stream,
    count: TrafficCounter,
    onClose: () => void,
  ) {
    this.name = name
    this.connection = connection
    this.stream = stream
    this.count = count
    this.onClose = onClose
    stream.addEventListener('close', () => this.finish(), { once: true })
  }

  /** Delivers `frames` (read from this connection's stream) until they end. */
  async run(frames: AsyncIterator<Uint8ArrayList> = readFrames(this.stream)): Promise<void> {
    try {
      while (true) {
        const next = await frames.next()
        if (next.done === true) break
        await this.deliver(next.value)
      }
    } catch {
      this.stream.abort(new Error('bad frame'))
    } finally {
      this.sink?.end()
      this.finish()
    }
  }

  private async deliver(frame: Uint8ArrayList): Promise<void> {
    const bytes = frame.subarray()
    this.bytesIn += bytes.byteLength
    this.count('in', bytes.byteLength)
    // a frame that waited for queue space looks again: a tunnel attached in
    // the meantime takes it, so nothing is left behind in the queue
    while (!this.closed) {
      if (this.sink != null) {
        if (!this.sink.write(bytes)) await this.sink.drained()
        return
      }
      for (const waiter of this.waiters) {
        if (matches(waiter.pattern, bytes)) {
          this.waiters.delete(waiter)
          waiter.resolve(bytes)
          return
        }
      }
      if (
        this.queuedBytes + bytes.byteLength <= MAX_QUEUED_BYTES &&
        this.queue.length < MAX_QUEUED_MESSAGES
      ) {
        this.queue.push(bytes)
        this.queuedBytes += bytes.byteLength
        return
      }
      await new Promise<void>((resolve) => {
        this.spaceWaiter = resolve
      })
    }
  }

  /** Sends one message, split into frames of at most MAX_FRAME bytes. */
  async send(bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    for (let offset = 0; offset < bytes.byteLength || offset === 0; offset += MAX_FRAME) {
      const part = bytes.subarray(offset, offset + MAX_FRAME)
      this.bytesOut += part.byteLength
      this.count('out', part.byteLength)
      if (!this.stream.send(encodeLengthPrefixed(part))) await this.stream.onDrain({ signal })
      if (bytes.byteLength === 0) break
    }
  }

  /** The oldest queued message matching `pattern`, waiting up to `timeout` ms; undefined on timeout. */
  recv(pattern: RegExp | undefined, timeout: number): Promise<Uint8Array | undefined> {
    const index = this.queue.findIndex((message) => matches(pattern, message))
    if (index >= 0) {
      const [message] = this.queue.splice(index, 1)
      this.queuedBytes -= message!.byteLength
      this.spaceWaiter?.()
      this.spaceWaiter = undefined
      return Promise.resolve(message)
    }
    if (this.closed || timeout <= 0) return Promise.resolve(undefined)
    return new Promise((resolve) => {
      const waiter: Waiter = {
        pattern,
        resolve: (message) => {
          clearTimeout(timer)
          resolve(message)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        resolve(undefined)
      }, timeout)
      this.waiters.add(waiter)
    })
  }

  get queued(): number {
    return this.queue.length
  }

  /** Received frames go to `sink` from now on, queued ones first. Returns false if a tunnel is already attached. */
  attach(sink: FrameSink): boolean {
    if (this.sink != null) return false
    this.sink = sink
    for (const message of this.queue.splice(0)) sink.write(message)
    this.queuedBytes = 0
    this.spaceWaiter?.()
    if (this.closed) sink.end()
    return true
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.stream.close().catch(() => this.stream.abort(new Error('close failed')))
    this.finish()
  }

  private finish(): void {
    if (this.closed) return
    this.closed = true
    for (const waiter of this.waiters) waiter.resolve(undefined)
    this.waiters.clear()
    this.spaceWaiter?.()
    this.onClose()
  }
}

function matches(pattern: RegExp | undefined, bytes: Uint8Array): boolean {
  if (pattern == null) return true
  return pattern.test(new TextDecoder().decode(bytes))
}

/** The frames on `stream`, in order; throws on a frame above MAX_FRAME. */
export async function* readFrames(stream: Stream): AsyncGenerator<Uint8ArrayList> {
  const decoder = new LengthPrefixedDecoder(MAX_FRAME)
  for await (const chunk of stream) {
    decoder.push(chunk)
    yield* decoder.messages()
  }
}
