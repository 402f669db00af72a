/**
 * The `SocketDriver` over a WHATWG `WebSocket` (browsers, and any runtime
 * whose global `WebSocket` follows the standard). The standard API cannot
 * pause reading and reports no write completions: the connection polls
 * `bufferedAmount` while back-pressured, and its read buffer limit bounds
 * what a fast remote can push. It cannot drop a socket without a close
 * handshake either, so `terminate()` closes.
 */
import { browserCloseCode } from './close-codes.js'
import type { SocketDriver, SocketEvents } from './socket-driver.js'

/** The members of the standard `WebSocket` used here. */
export interface StandardWebSocket {
  readonly readyState: number
  readonly bufferedAmount: number
  binaryType: string
  send(data: Uint8Array): void
  close(code?: number, reason?: string): void
  addEventListener(type: string, listener: (event: never) => void, options?: { once?: boolean }): void
  removeEventListener(type: string, listener: (event: never) => void): void
}

/** readyState OPEN in the WHATWG WebSocket */
const OPEN = 1

export class BrowserSocketDriver implements SocketDriver {
  readonly reportsWrites = false
  private readonly socket: StandardWebSocket

  constructor(socket: StandardWebSocket) {
    this.socket = socket
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount
  }

  get isOpen(): boolean {
    return this.socket.readyState === OPEN
  }

  send(data: Uint8Array): void {
    this.socket.send(data)
  }

  close(code: number, reason: string): void {
    this.socket.close(browserCloseCode(code), reason)
  }

  terminate(): void {
    if (this.socket.readyState <= OPEN) this.socket.close(browserCloseCode(4000), 'terminated')
  }

  pause(): void {}

  resume(): void {}

  attach(events: SocketEvents): void {
    const socket = this.socket
    socket.binaryType = 'arraybuffer'
    socket.addEventListener('message', (event: MessageEvent) => {
      const data: unknown = event.data
      if (data instanceof ArrayBuffer) events.onMessage(new Uint8Array(data))
      else if (ArrayBuffer.isView(data)) {
        events.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      } else if (typeof data === 'string')
        events.onInvalidMessage(`a text message of ${data.length} characters`)
      else events.onInvalidMessage(`a message of type ${Object.prototype.toString.call(data)}`)
    })
    // the standard error event says nothing; the close event that follows does
    socket.addEventListener('close', (event: CloseEvent) => events.onClose(event.code, event.reason), {
      once: true,
    })
  }
}
