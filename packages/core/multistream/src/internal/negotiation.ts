/**
 * The I/O shell shared by dialer and listener: it listens on any
 * `MessageStream` (weft's or js-libp2p's, through the public interface only),
 * decodes messages synchronously inside the 'message' listener, feeds them to
 * a state machine, sends the machine's answers in one write per chunk
 * received, and on agreement hands the bytes past the last negotiation
 * message back with `unshift()` before the listener returns.
 *
 * Doing all of this inside the event keeps negotiation invisible to the
 * application: the listener calls `stopImmediatePropagation()`, so 'message'
 * listeners added later never see negotiation bytes, and leftover bytes are
 * back in the stream's read buffer before a 'remoteCloseWrite' or 'end' that
 * follows in the same tick can be dispatched ('end' waits for that buffer).
 */
import type { Logger, MessageStream, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { concatMessages, type MessageDecoder } from '../codec.js'
import { NegotiationClosedError } from '../errors.js'

export interface Machine {
  /** Handles one message, pushing encoded answers; returns the agreed protocol once there is one. */
  receive(message: string, replies: Uint8Array[]): string | undefined
  /** What the machine waits for, for error messages. */
  readonly waitingFor: string
}

export interface NegotiationInit {
  log: Logger
  /**
   * Nobody awaits the outcome (optimistic select): when the application
   * closes its readable end, the answer can no longer be read, so stop
   * quietly instead of failing a stream that may still be written.
   */
  optimistic?: boolean
  onSuccess(protocol: string): void
  onFailure(err: Error): void
}

export class Negotiation {
  /** set once the negotiation has failed */
  error?: Error
  private done = false
  private readonly replies: Uint8Array[] = []

  constructor(
    private readonly stream: MessageStream,
    private readonly machine: Machine,
    private readonly decoder: MessageDecoder,
    private readonly init: NegotiationInit,
  ) {
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('close', this.onClose)
  }

  get settled(): boolean {
    return this.done
  }

  /** Sends `bytes`; a stream that refuses them fails the negotiation. */
  send(bytes: Uint8Array): void {
    if (this.done) return
    try {
      this.stream.send(bytes)
    } catch (err) {
      this.fail(err as Error)
    }
  }

  /** Ends the negotiation with `err` and aborts the stream with it. No-op once settled. */
  fail(err: Error): void {
    if (this.done) return
    this.done = true
    this.error = err
    this.detach()
    this.init.log('multistream-select failed: %s', err.message)
    this.stream.abort(err)
    this.init.onFailure(err)
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    if (this.done) return
    // negotiation bytes are ours: 'message' listeners added after us never see them
    evt.stopImmediatePropagation()
    let protocol: string | undefined
    try {
      this.decoder.push(evt.data)
      while (protocol === undefined) {
        const message = this.decoder.next()
        if (message === undefined) break
        this.init.log.trace('multistream-select read %s', message)
        protocol = this.machine.receive(message, this.replies)
      }
    } catch (err) {
      this.fail(err as Error)
      return
    }
    if (this.replies.length > 0) {
      // every answer to this chunk in one write (header and echo together)
      const flight = concatMessages(this.replies)
      this.replies.length = 0
      this.send(flight)
      if (this.done) return
    }
    if (protocol !== undefined) this.succeed(protocol)
  }

  private succeed(protocol: string): void {
    this.done = true
    this.detach()
    const rest = this.decoder.takeRemainder()
    if (rest.byteLength > 0) {
      try {
        this.stream.unshift(rest)
      } catch (err) {
        // the readable end closed meanwhile: nobody could read these bytes
        this.init.log('dropped %d bytes after negotiation: %s', rest.byteLength, (err as Error).message)
      }
    }
    this.init.log.trace('multistream-select agreed on %s', protocol)
    this.init.onSuccess(protocol)
  }

  private readonly onRemoteCloseWrite = (): void => {
    // bytes still in the stream's read buffer come first; 'end' follows them
    if (this.stream.readBufferLength === 0) this.onEnd()
  }

  private readonly onEnd = (): void => {
    // a reset or abort dispatches 'end' just before 'close', which carries the reason
    if (this.done || this.stream.status === 'reset' || this.stream.status === 'aborted') return
    const remoteWriteStatus = (this.stream as Partial<Stream>).remoteWriteStatus
    if (this.init.optimistic === true && remoteWriteStatus !== undefined && remoteWriteStatus !== 'closed') {
      // 'end' without the remote closing: our side closed its readable end
      this.done = true
      this.detach()
      this.init.log('readable end closed before the answer to the optimistic proposal; not checking it')
      return
    }
    const partial =
      this.decoder.bufferedBytes > 0 ? ` (${this.decoder.bufferedBytes} bytes of it arrived)` : ''
    this.fail(
      new NegotiationClosedError(`the stream ended while waiting for ${this.machine.waitingFor}${partial}`),
    )
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    if (this.done) return
    this.fail(
      evt.error ??
        new NegotiationClosedError(`the stream closed while waiting for ${this.machine.waitingFor}`),
    )
  }

  private detach(): void {
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    this.stream.removeEventListener('end', this.onEnd)
    this.stream.removeEventListener('close', this.onClose)
  }
}
