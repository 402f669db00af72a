/**
 * Reads a `MessageStream` (weft's or js-libp2p's) to its end without keeping
 * or copying the bytes: each `'message'` is counted (and optionally shown to
 * a parser) and dropped. Settles when the remote has closed its write side
 * and everything it sent was delivered, or when the stream closes.
 */
import type { AbortOptions, MessageStream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { deferred, raceSignal, StreamClosedError } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ByteSinkInit {
  /** sees every chunk before it is dropped; a throw fails the sink */
  inspect?: (chunk: Uint8Array | Uint8ArrayList) => void
  /** more bytes than this fail the sink with `tooMany(bytes)` */
  maxBytes?: number
  tooMany?: (bytes: number) => Error
}

export class ByteSink {
  /** bytes received so far */
  bytes = 0
  /** the failure, once the sink has failed */
  error?: Error
  private readonly finished = deferred<void>()
  private settled = false
  private readonly maxBytes: number

  constructor(
    private readonly stream: MessageStream,
    private readonly init: ByteSinkInit = {},
  ) {
    this.maxBytes = init.maxBytes ?? Number.POSITIVE_INFINITY
    // the caller may never wait (it failed first); never report an unhandled rejection
    this.finished.promise.catch(() => {})
    this.onMessage = this.onMessage.bind(this)
    this.onEnd = this.onEnd.bind(this)
    this.onRemoteCloseWrite = this.onRemoteCloseWrite.bind(this)
    this.onClose = this.onClose.bind(this)
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    stream.addEventListener('close', this.onClose)
    if (stream.status === 'reset' || stream.status === 'aborted') {
      this.settle(new StreamClosedError(`expected an open stream, it is ${stream.status}`))
    } else if (stream.readableEnded) this.settle()
    else if (stream.status !== 'open' && stream.status !== 'closing') {
      this.settle(new StreamClosedError(`expected an open stream, it is ${stream.status}`))
    }
  }

  get done(): boolean {
    return this.settled
  }

  /** Resolves when the remote finished sending; rejects on a reset, a parser error or the signal. */
  async wait(options?: AbortOptions): Promise<void> {
    return raceSignal(this.finished.promise, options?.signal)
  }

  private onMessage(evt: StreamMessageEvent): void {
    if (this.settled) return
    const chunk = evt.data
    this.bytes += chunk.byteLength
    try {
      if (this.bytes > this.maxBytes) {
        throw this.init.tooMany?.(this.bytes) ?? new RangeError(`expected at most ${this.maxBytes} bytes`)
      }
      this.init.inspect?.(chunk)
    } catch (err) {
      this.settle(err as Error)
    }
  }

  private onRemoteCloseWrite(): void {
    // 'end' follows once buffered bytes are delivered; with none buffered we are done now
    if (this.stream.readBufferLength === 0) this.settle()
  }

  private onEnd(): void {
    // a reset or abort also ends the readable side; 'close' follows with the error
    if (this.stream.status === 'reset' || this.stream.status === 'aborted') return
    this.settle()
  }

  private onClose(evt: StreamCloseEvent): void {
    this.settle(evt.error)
  }

  private settle(err?: Error): void {
    if (this.settled) return
    this.settled = true
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('end', this.onEnd)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    this.stream.removeEventListener('close', this.onClose)
    if (err != null) {
      this.error = err
      this.finished.reject(err)
    } else {
      this.finished.resolve()
    }
  }
}

/**
 * Sends `count` bytes of `block` (re-sent as is, never modified) in chunks of
 * `block.byteLength`, waiting for `'drain'` whenever the stream asks. Calls
 * `onChunk` after each chunk so a caller can report progress.
 */
export async function sendRepeated(
  stream: MessageStream,
  count: number,
  block: Uint8Array,
  options: AbortOptions & { onChunk?: (sent: number) => void } = {},
): Promise<void> {
  let sent = 0
  while (sent < count) {
    if (options.signal?.aborted === true) await raceSignal(Promise.resolve(), options.signal)
    const size = Math.min(count - sent, block.byteLength)
    const more = stream.send(size === block.byteLength ? block : block.subarray(0, size))
    sent += size
    options.onChunk?.(sent)
    if (!more) await stream.onDrain(options)
  }
}
