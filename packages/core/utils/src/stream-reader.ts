/**
 * Pull-style reading from any `MessageStream` (weft's or js-libp2p's): read
 * exact byte counts, varints and length-prefixed messages, then `release()`
 * hands unread bytes back to the stream for whoever reads next (a muxer after
 * a handshake, a protocol handler after multistream-select).
 */
import type { AbortOptions, MessageStream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { MessageTooLargeError, StreamClosedError, StreamResetError, UnexpectedEOFError } from './errors.js'
import { raceSignal } from './signals.js'
import { decodeVarint } from './varint.js'

export interface StreamReaderInit {
  /** bytes buffered before the stream is paused (default 1 MiB) */
  maxBufferLength?: number
  /**
   * Keep the bytes from every later `'message'` listener (via
   * `stopImmediatePropagation`) until `release()` hands back what is unread.
   * For a reader that must see bytes before an application that already
   * listens (optimistic multistream-select).
   */
  exclusive?: boolean
}

export class StreamReader {
  private readonly buffer = new Uint8ArrayList()
  private readonly maxBufferLength: number
  private ended = false
  private error?: Error
  private waiter?: () => void
  private pausedByUs = false
  private released = false
  private readonly exclusive: boolean

  constructor(
    private readonly stream: MessageStream,
    init: StreamReaderInit = {},
  ) {
    this.maxBufferLength = init.maxBufferLength ?? 1024 * 1024
    this.exclusive = init.exclusive ?? false
    this.onMessage = this.onMessage.bind(this)
    this.onEnd = this.onEnd.bind(this)
    this.onRemoteCloseWrite = this.onRemoteCloseWrite.bind(this)
    this.onClose = this.onClose.bind(this)
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('close', this.onClose)
    if (stream.readableEnded) this.ended = true
  }

  get bufferedBytes(): number {
    return this.buffer.byteLength
  }

  /** Whatever is buffered, or the next chunk; undefined once the stream has ended. */
  async read(options?: AbortOptions): Promise<Uint8ArrayList | undefined> {
    await this.waitFor(1, options, false)
    if (this.buffer.byteLength === 0) return undefined
    const out = this.buffer.sublist()
    this.consume(out.byteLength)
    return out
  }

  /** Exactly `length` bytes; throws UnexpectedEOFError if the stream ends first. */
  async readExact(length: number, options?: AbortOptions): Promise<Uint8ArrayList> {
    await this.waitFor(length, options, true)
    const out = this.buffer.sublist(0, length)
    this.consume(length)
    return out
  }

  async readVarint(options?: AbortOptions): Promise<number> {
    while (true) {
      const decoded = decodeVarint(this.buffer)
      if (decoded != null) {
        this.consume(decoded.length)
        return decoded.value
      }
      await this.waitFor(this.buffer.byteLength + 1, options, true)
    }
  }

  /** One varint-length-prefixed message of at most `maxLength` bytes. */
  async readLengthPrefixed(maxLength: number, options?: AbortOptions): Promise<Uint8ArrayList> {
    const length = await this.readVarint(options)
    if (length > maxLength) throw new MessageTooLargeError(length, maxLength)
    return this.readExact(length, options)
  }

  /** One 2-byte big-endian length-prefixed message (Noise framing). */
  async readUint16Prefixed(options?: AbortOptions): Promise<Uint8ArrayList> {
    const prefix = await this.readExact(2, options)
    return this.readExact(prefix.getUint16(0), options)
  }

  /** Stops reading; unread bytes go back to the stream. */
  release(): void {
    if (this.released) return
    this.released = true
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    this.stream.removeEventListener('end', this.onEnd)
    this.stream.removeEventListener('close', this.onClose)
    if (this.buffer.byteLength > 0) {
      try {
        this.stream.unshift(this.buffer.sublist())
      } catch {
        // the readable end closed meanwhile: nobody can read these bytes
      }
    }
    this.buffer.consume(this.buffer.byteLength)
    if (this.pausedByUs) {
      this.pausedByUs = false
      this.resumeStream()
    }
  }

  private async waitFor(length: number, options: AbortOptions | undefined, exact: boolean): Promise<void> {
    while (this.buffer.byteLength < length) {
      if (this.released) throw new StreamClosedError('reader was released')
      if (this.error != null) throw this.error
      if (this.ended) {
        // a reset (or abort) whose 'close' event came before this reader listened
        const closedBy = abnormalEnd(this.stream)
        if (closedBy != null) throw closedBy
        if (exact) throw new UnexpectedEOFError(length, this.buffer.byteLength)
        return
      }
      if (length > this.maxBufferLength) throw new MessageTooLargeError(length, this.maxBufferLength)
      if (this.pausedByUs) {
        this.pausedByUs = false
        this.resumeStream()
      }
      await raceSignal(
        new Promise<void>((resolve) => {
          this.waiter = resolve
        }),
        options?.signal,
      ).finally(() => {
        this.waiter = undefined
      })
    }
  }

  private consume(length: number): void {
    this.buffer.consume(length)
    if (this.pausedByUs && this.buffer.byteLength < this.maxBufferLength / 2) {
      this.pausedByUs = false
      this.resumeStream()
    }
  }

  private resumeStream(): void {
    try {
      this.stream.resume()
    } catch {
      // the readable end already closed; nothing to resume
    }
  }

  private wake(): void {
    this.waiter?.()
  }

  private onMessage(evt: StreamMessageEvent): void {
    if (this.exclusive) evt.stopImmediatePropagation()
    this.buffer.append(evt.data)
    if (this.buffer.byteLength >= this.maxBufferLength && !this.pausedByUs) {
      try {
        this.stream.pause()
        this.pausedByUs = true
      } catch {
        // cannot pause a closing stream; the buffer bound still holds below
      }
    }
    this.wake()
  }

  private onRemoteCloseWrite(): void {
    // bytes still in the stream's read buffer (put back with unshift) come
    // first; 'end' follows them
    if (this.stream.readBufferLength === 0) this.onEnd()
  }

  private onEnd(): void {
    this.ended = true
    this.wake()
  }

  private onClose(evt: StreamCloseEvent): void {
    this.ended = true
    if (evt.error != null) this.error = evt.error
    this.wake()
  }
}

/** The error a stream that ended abnormally stands for; undefined after a graceful end. */
function abnormalEnd(stream: MessageStream): Error | undefined {
  if (stream.status === 'reset') return new StreamResetError('the remote reset the stream')
  if (stream.status === 'aborted') return new StreamClosedError('the stream was aborted')
  return undefined
}

/** Sends `data`, waiting for the stream to drain when it asks for it. */
export async function sendAll(
  stream: MessageStream,
  data: Uint8Array | Uint8ArrayList,
  options?: AbortOptions,
): Promise<void> {
  if (!stream.send(data)) await stream.onDrain(options)
}
