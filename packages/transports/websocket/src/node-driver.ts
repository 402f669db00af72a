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

  constructor(socket: WebSocket, maxPayload: number) {
    this.socket = socket
    this.maxPayload = maxPayload
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
    this.socket.pause()
  }

  resume(): void {
    this.socket.resume()
  }

  attach(events: SocketEvents): void {
    this.events = events
    const socket = this.socket
    socket.binaryType = 'nodebuffer'
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) events.onMessage(data)
      else events.onInvalidMessage(`a text message of ${data.byteLength} bytes`)
    })
    socket.on('error', (err: Error & { code?: string }) => events.onError(this.typed(err)))
    socket.on('close', (code: number, reason: Buffer) => events.onClose(code, reason.toString('utf8')))
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
