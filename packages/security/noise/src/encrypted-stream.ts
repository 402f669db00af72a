/**
 * The secured connection Noise returns: a MessageStream over any other
 * MessageStream (weft's or js-libp2p's). `send()` encrypts into frames of at
 * most 65535 bytes, several per write to the layer below; incoming frames are
 * decrypted as they arrive and delivered as `'message'` events.
 *
 * It mirrors the layer below: back-pressure (its `send` returning false, then
 * `'drain'`), pause/resume, half-close, remote close, reset and abort travel
 * both ways. A frame that fails authentication aborts both streams with a
 * `DecryptionError`.
 */
import type {
  AbortOptions,
  Logger,
  MessageStream,
  MessageStreamEvents,
  StreamCloseEvent,
  StreamMessageEvent,
} from '@libp2p/interface'
import { AbstractMessageStream, type SendResult } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { InvalidFrameError } from './errors.js'
import { encryptFrames, FrameDecoder, MAX_PLAINTEXT_LENGTH } from './frames.js'
import type { TransportCiphers } from './handshake-state.js'

/** Plaintext encrypted per write to the layer below: four full frames. */
export const FRAMES_PER_WRITE = 4
/**
 * Writes smaller than this wait for the end of the current task, so small
 * writes made together (a muxer's headers and window updates, a chatty
 * protocol) become one frame: each frame costs a cipher setup.
 */
export const COALESCE_BELOW = 16 * 1024

const EMPTY = new Uint8Array(0)
const INNER_EVENTS = ['message', 'drain', 'remoteCloseWrite', 'end', 'close'] as const

export interface EncryptedStreamInit {
  log: Logger
}

/** What the layer below reports that is not part of the MessageStream interface. */
interface StreamState {
  remoteWriteStatus?: string
}

export class EncryptedStream extends AbstractMessageStream {
  private readonly decoder: FrameDecoder
  private remoteClosedWrite = false
  private closedBelow = false
  private flushScheduled = false
  /** the stream below is paused because unread plaintext piles up with nobody listening */
  private backlogPaused = false
  private readonly innerListener: { handleEvent(evt: Event): void }

  constructor(
    private readonly inner: MessageStream,
    private readonly ciphers: TransportCiphers,
    init: EncryptedStreamInit,
  ) {
    super({
      log: init.log,
      direction: inner.direction,
      inactivityTimeout: inner.inactivityTimeout,
      maxReadBufferLength: inner.maxReadBufferLength,
      maxWriteBufferLength: inner.maxWriteBufferLength,
      maxMessageSize: FRAMES_PER_WRITE * MAX_PLAINTEXT_LENGTH,
    })
    this.decoder = new FrameDecoder(ciphers.receive)
    // one listener object for the five events: fewer closures per connection
    this.innerListener = { handleEvent: (evt: Event) => this.onInnerEvent(evt) }
    for (const type of INNER_EVENTS) inner.addEventListener(type, this.innerListener)
    this.adoptInnerState()
  }

  /** The stream the ciphertext travels on. */
  get underlying(): MessageStream {
    return this.inner
  }

  override send(data: Uint8Array | Uint8ArrayList): boolean {
    if (
      data.byteLength >= COALESCE_BELOW ||
      this.writableNeedsDrain ||
      this.writeStatus !== 'writable' ||
      this.writeBuffer.byteLength + data.byteLength >= COALESCE_BELOW
    ) {
      return super.send(data)
    }
    this.writeBuffer.append(data)
    if (!this.flushScheduled) {
      this.flushScheduled = true
      queueMicrotask(() => this.flushHeld())
    }
    return true
  }

  async close(options?: AbortOptions): Promise<void> {
    if (this.writeStatus === 'closing' || this.writeStatus === 'closed') return
    if (this.status !== 'open') return
    this.flushHeld()
    this.writeStatus = 'closing'
    try {
      await this.flushed(options)
      await this.inner.close(options)
    } catch (err) {
      this.abort(err as Error)
      throw err
    }
    this.writeStatus = 'closed'
    if (this.closedBelow || this.remoteWriteStatus === 'closed' || isFinished(this.inner)) {
      this.onTransportClosed()
    }
  }

  /** Hands held small writes to `sendData`. */
  private flushHeld(): void {
    this.flushScheduled = false
    if (this.writeStatus !== 'writable' || this.writeBuffer.byteLength === 0) return
    try {
      super.send(EMPTY)
    } catch {
      // the stream was aborted with this error; nobody is left to tell
    }
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    if (this.inner.writableNeedsDrain) return { sentBytes: 0, canSendMore: false }
    const canSendMore = this.inner.send(encryptFrames(this.ciphers.send, data))
    return { sentBytes: data.byteLength, canSendMore }
  }

  protected sendReset(err: Error): void {
    this.detach()
    this.inner.abort(err)
  }

  override addEventListener<K extends keyof MessageStreamEvents>(
    type: K,
    listener: ((evt: MessageStreamEvents[K]) => void) | EventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options)
    // the base class delivers the backlog in a microtask; let the bytes below flow after it
    if (type === 'message' && this.backlogPaused) queueMicrotask(() => this.releaseBacklog())
  }

  protected override sendPause(): void {
    try {
      this.inner.pause()
    } catch {
      // the readable end below already closed: nothing more will arrive
    }
  }

  protected override sendResume(): void {
    this.backlogPaused = false
    try {
      this.inner.resume()
    } catch {
      // as above
    }
  }

  // ---- events from the layer below -------------------------------------------

  private onInnerEvent(evt: Event): void {
    switch (evt.type) {
      case 'message':
        this.onInnerMessage(evt as StreamMessageEvent)
        break
      case 'drain':
        this.onDrained()
        break
      case 'remoteCloseWrite':
        this.onInnerRemoteCloseWrite()
        break
      case 'end':
        this.onInnerEnd()
        break
      case 'close':
        this.onInnerClose(evt as StreamCloseEvent)
        break
    }
  }

  private onInnerMessage(evt: StreamMessageEvent): void {
    let plaintext: Uint8ArrayList
    try {
      plaintext = this.decoder.push(evt.data)
    } catch (err) {
      this.abort(err as Error)
      return
    }
    if (plaintext.byteLength > 0) {
      this.onData(plaintext)
      this.checkBacklog()
    }
    if (this.closedBelow && this.inner.readBufferLength === 0) this.finishClosing()
    else this.maybeFinishReading()
  }

  /** Like a socket, stop reading below while nobody reads us (the read buffer would overflow). */
  private checkBacklog(): void {
    if (this.backlogPaused || this.readStatus !== 'readable') return
    if (this.readBufferLength <= this.maxReadBufferLength / 2 || this.listenerCount('message') > 0) return
    this.backlogPaused = true
    this.sendPause()
  }

  private releaseBacklog(): void {
    if (!this.backlogPaused || this.readStatus !== 'readable') return
    if (this.readBufferLength > this.maxReadBufferLength / 2) return
    this.sendResume()
  }

  private onInnerRemoteCloseWrite(): void {
    this.remoteClosedWrite = true
    this.maybeFinishReading()
  }

  private onInnerEnd(): void {
    if (this.inner.status === 'aborted' || this.inner.status === 'reset') return
    this.remoteClosedWrite = true
    this.maybeFinishReading(true)
  }

  private onInnerClose(evt: StreamCloseEvent): void {
    if (evt.error != null) {
      this.detach()
      if (evt.local === false) this.onRemoteReset()
      else this.abort(evt.error)
      return
    }
    this.closedBelow = true
    this.remoteClosedWrite = true
    // bytes the layer below still holds (it was paused) are delivered first
    if (this.inner.readBufferLength === 0) this.finishClosing()
  }

  private finishClosing(): void {
    this.detach()
    this.maybeFinishReading(true)
    this.onTransportClosed()
  }

  /**
   * The remote's end of writing takes effect once every byte below was
   * delivered to us: the layer below may still hold some while paused.
   */
  private maybeFinishReading(innerDrained = false): void {
    if (!this.remoteClosedWrite || this.remoteWriteStatus === 'closed') return
    if (!innerDrained && this.inner.readBufferLength > 0) return
    if (this.decoder.bufferedBytes > 0) {
      this.abort(
        new InvalidFrameError(
          `the remote stopped writing inside a frame (${this.decoder.bufferedBytes} bytes buffered)`,
        ),
      )
      return
    }
    this.onRemoteCloseWrite()
  }

  /** Catches up with what happened below before we listened. */
  private adoptInnerState(): void {
    const inner = this.inner
    if (inner.status === 'aborted' || inner.status === 'reset') {
      const err = new InvalidFrameError(`the stream below was ${inner.status} when the handshake ended`)
      queueMicrotask(() => this.abort(err))
      return
    }
    if (inner.status === 'closed') {
      this.closedBelow = true
      this.remoteClosedWrite = true
    } else if ((inner as MessageStream & StreamState).remoteWriteStatus === 'closed' || inner.readableEnded) {
      this.remoteClosedWrite = true
    } else {
      return
    }
    // after the layer below has re-delivered the bytes it holds to our listener
    queueMicrotask(() => {
      if (this.status !== 'open' || this.inner.readBufferLength > 0) return
      if (this.closedBelow) this.finishClosing()
      else this.maybeFinishReading()
    })
  }

  private detach(): void {
    for (const type of INNER_EVENTS) this.inner.removeEventListener(type, this.innerListener)
  }
}

function isFinished(stream: MessageStream): boolean {
  return stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset'
}
