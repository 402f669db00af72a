/**
 * The `SocketDriver` over a `ws` WebSocket (Node): real read back-pressure
 * (`ws.pause()` stops reading the TCP socket, so the kernel window fills and
 * the remote's writes stall), a callback per sent message to learn when
 * bytes left, and `terminate()` to drop a socket at once.
 */
import { InvalidMessageError, ProtocolError } from '@libp2p/interface'
import { MessageTooLargeError } from '@weft/utils'
import type { WebSocket } from 'ws'
import type { SocketDriver, SocketEvents } from './socket-driver.js'

const SEND_OPTIONS = { binary: true, compress: false } as const

/** ws error codes (ws/lib/receiver.js) for a message over `maxPayload` */
const TOO_LARGE = new Set(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'WS_ERR_TOO_MANY_BUFFERED_PARTS'])

export class NodeSocketDriver implements SocketDriver {
  readonly reportsWrites = true
  private readonly socket: WebSocket
  private readonly maxPayload: number
  private events?: SocketEvents
  private readonly written = (): void => this.events?.onWritten()

  /**
   * What the socket reported before `attach()`, replayed there. A dialer gets
   * the socket at 'open' and attaches a few microtasks later, but ws parses
   * data that came in the same read as the HTTP 101 response on a
   * `process.nextTick`, before them: without this, the first messages of a
   * listener that speaks first (py-libp2p sends its multistream-select
   * header at once) were emitted to no one and lost. `undefined` once attached.
   */
  private early: Array<(events: SocketEvents) => void> | undefined = []
  private earlyBytes = 0
  private pausedEarly = false
  /** whether the connection asked for a pause (read back-pressure) */
  private paused = false

  constructor(socket: WebSocket, maxPayload: number) {
    this.socket = socket
    this.maxPayload = maxPayload
    socket.binaryType = 'nodebuffer'
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.deliver((events) => events.onMessage(data), data.byteLength)
      else this.deliver((events) => events.onInvalidMessage(`a text message of ${data.byteLength} bytes`), 0)
    })
    socket.on('error', (err: Error & { code?: string }) => {
      const typed = this.typed(err)
      this.deliver((events) => events.onError(typed), 0)
    })
    socket.on('close', (code: number, reason: Buffer) => {
      const text = reason.toString('utf8')
      this.deliver((events) => events.onClose(code, text), 0)
    })
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN
  }

  send(data: Uint8Array): void {
    this.socket.send(data, SEND_OPTIONS, this.written)
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason)
  }

  terminate(): void {
    this.socket.terminate()
  }

  pause(): void {
    this.paused = true
    this.socket.pause()
  }

  resume(): void {
    this.paused = false
    this.socket.resume()
  }

  attach(events: SocketEvents): void {
    const early = this.early ?? []
    this.events = events
    this.early = undefined
    for (const event of early) event(events)
    if (this.pausedEarly) {
      this.pausedEarly = false
      if (!this.paused) this.socket.resume()
    }
  }

  private deliver(event: (events: SocketEvents) => void, bytes: number): void {
    if (this.events != null) {
      event(this.events)
      return
    }
    this.early?.push(event)
    this.earlyBytes += bytes
    // bounded: past one maximal message, stop reading until attached
    if (this.earlyBytes > this.maxPayload && !this.pausedEarly) {
      this.pausedEarly = true
      this.socket.pause()
    }
  }

  /** ws reports protocol violations with codes; give them weft's error classes. */
  private typed(err: Error & { code?: string }): Error {
    const code = err.code
    if (code == null || !code.startsWith('WS_ERR_')) return err
    let typed: Error
    if (TOO_LARGE.has(code)) {
      typed = new MessageTooLargeError(
        this.maxPayload + 1,
        this.maxPayload,
        `WebSocket message exceeds the limit of ${this.maxPayload} bytes (${err.message})`,
      )
    } else if (code === 'WS_ERR_INVALID_UTF8') {
      typed = new InvalidMessageError(`invalid WebSocket text message: ${err.message}`)
    } else {
      typed = new ProtocolError(`WebSocket protocol violation: ${err.message} (${code})`)
    }
    typed.cause = err
    return typed
  }
}
