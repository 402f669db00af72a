/** Test helpers: a stream driven by hand, and readers that behave like applications. */
import type { MessageStream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { AbstractStream, deferred, logger, type SendResult } from '@weft/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { encodeMessages } from '../src/codec.js'

export const text = (value: string): Uint8Array => new TextEncoder().encode(value)
export const wire = (...messages: string[]): Uint8Array => encodeMessages(messages)
export const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8ArrayList(...parts).subarray()

/**
 * A stream whose remote is the test itself: `receive()` and
 * `receiveCloseWrite()` deliver synchronously, `sent` records every `send`.
 */
export class ScriptedStream extends AbstractStream {
  readonly sent: Uint8Array[] = []
  private onSent?: () => void

  constructor() {
    super({ id: 'scripted', log: logger('weft:test:scripted') })
  }

  receive(data: Uint8Array): void {
    this.onData(data)
  }

  receiveCloseWrite(): void {
    this.onRemoteCloseWrite()
  }

  /** Closes the writable end at once (no flush to wait for) and returns the stream. */
  closeSelf(): this {
    this.writeStatus = 'closed'
    return this
  }

  receiveReset(): void {
    this.onRemoteReset()
  }

  /** Resolves once `count` sends have happened. */
  async sends(count: number): Promise<Uint8Array[]> {
    while (this.sent.length < count) {
      const next = deferred<void>()
      this.onSent = next.resolve
      await next.promise
    }
    return this.sent
  }

  protected sendData(data: Uint8ArrayList): SendResult {
    this.sent.push(data.subarray())
    this.onSent?.()
    return { sentBytes: data.byteLength, canSendMore: true }
  }

  protected sendReset(): void {}
  protected sendCloseWrite(): void {}
  protected sendCloseRead(): void {}
}

/** Everything an application reading with 'message' listeners sees, until 'end' or 'close'. */
export async function readAllByEvents(stream: MessageStream): Promise<Uint8Array> {
  const out = new Uint8ArrayList()
  const done = deferred<Uint8Array>()
  stream.addEventListener('message', (evt: StreamMessageEvent) => out.append(evt.data))
  stream.addEventListener('end', () => done.resolve(out.subarray()))
  stream.addEventListener('close', (evt: StreamCloseEvent) => {
    if (evt.error != null) done.reject(evt.error)
    else done.resolve(out.subarray())
  })
  return done.promise
}

/** Everything an application reading with `for await` sees. */
export async function readAllByIteration(stream: MessageStream): Promise<Uint8Array> {
  const out = new Uint8ArrayList()
  for await (const chunk of stream) out.append(chunk)
  return out.subarray()
}

/** The error of the stream's 'close' event. */
export async function closeError(stream: MessageStream): Promise<Error | undefined> {
  if (stream.status === 'aborted' || stream.status === 'reset' || stream.status === 'closed') {
    throw new Error(`stream is already ${stream.status}; listen before it closes`)
  }
  return new Promise((resolve) => {
    stream.addEventListener('close', (evt: StreamCloseEvent) => resolve(evt.error), { once: true })
  })
}
