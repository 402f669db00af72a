/**
 * A MessageStream (the raw connection the upgrader hands over) as a Node
 * `Duplex`, which is what `node:tls` reads ciphertext from and writes it to.
 *
 * Back-pressure both ways: a `send()` that returns false holds the write
 * callback until the stream's `'drain'`; a `push()` that returns false pauses
 * the stream until Node reads again. The remote's end of writing becomes the
 * readable end; `end()` closes the stream; `destroy(err)` aborts it.
 */
import { Duplex } from 'node:stream'
import type { MessageStream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'

const EVENTS = ['message', 'drain', 'remoteCloseWrite', 'end', 'close'] as const

export class MessageStreamDuplex extends Duplex {
  private pendingWrite?: (err?: Error | null) => void
  private readonly listener: { handleEvent(evt: Event): void }
  private ended = false
  /** we paused the stream below because Node's read buffer is full */
  private pausedBelow = false

  constructor(private readonly inner: MessageStream) {
    // node:tls ends its side itself (close_notify, then end()): no automatic end here
    super({ allowHalfOpen: true, decodeStrings: false })
    this.listener = { handleEvent: (evt: Event) => this.onEvent(evt) }
    for (const type of EVENTS) inner.addEventListener(type, this.listener)
    if (inner.readableEnded || inner.status === 'closed') queueMicrotask(() => this.endReadable())
  }

  /** Stops listening to the stream below (after a failed handshake the upgrader aborts it). */
  detach(): void {
    for (const type of EVENTS) this.inner.removeEventListener(type, this.listener)
  }

  override _read(): void {
    if (this.pausedBelow) {
      this.pausedBelow = false
      try {
        this.inner.resume()
      } catch {
        // its readable end closed meanwhile: nothing more will come
      }
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    let more: boolean
    try {
      more = this.inner.send(chunk)
    } catch (err) {
      callback(err as Error)
      return
    }
    if (more) callback()
    else this.pendingWrite = callback
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'binary', callback)
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.inner.close().then(
      () => callback(),
      (err: Error) => callback(err),
    )
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.detach()
    this.releaseWrite(err ?? new Error('the TLS socket was destroyed'))
    if (err != null) this.inner.abort(err)
    callback(err)
  }

  private onEvent(evt: Event): void {
    switch (evt.type) {
      case 'message':
        this.onMessage((evt as StreamMessageEvent).data)
        break
      case 'drain':
        this.releaseWrite()
        break
      case 'remoteCloseWrite':
      case 'end':
        this.endReadable()
        break
      case 'close': {
        const error = (evt as StreamCloseEvent).error
        if (error != null) this.destroy(error)
        else this.endReadable()
        break
      }
    }
  }

  private onMessage(data: Uint8Array | Iterable<Uint8Array>): void {
    let more = true
    const chunks = data instanceof Uint8Array ? [data] : data
    for (const chunk of chunks) {
      more = this.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    }
    if (!more && !this.pausedBelow) {
      this.pausedBelow = true
      try {
        this.inner.pause()
      } catch {
        // its readable end closed: nothing more will come
      }
    }
  }

  private endReadable(): void {
    if (this.ended) return
    this.ended = true
    this.push(null)
  }

  private releaseWrite(err?: Error): void {
    const callback = this.pendingWrite
    this.pendingWrite = undefined
    callback?.(err)
  }
}
