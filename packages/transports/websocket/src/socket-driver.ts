/**
 * The narrow view a `WebSocketConnection` has of the socket underneath: `ws`
 * in Node (node-driver.ts), the native `WebSocket` in browsers
 * (browser-driver.ts), a fake in unit tests. Keeping the connection's logic
 * on this interface keeps it free of Node built-ins and testable without
 * sockets.
 */

/** What the driver reports to the connection. */
export interface SocketEvents {
  /** a binary message arrived */
  onMessage(data: Uint8Array): void
  /** a message that is not binary arrived (libp2p sends only binary messages); `what` describes it */
  onInvalidMessage(what: string): void
  /** bytes handed to `send()` left the process (drivers with `reportsWrites`) */
  onWritten(): void
  /** the socket failed; a close follows */
  onError(err: Error): void
  /** the socket is closed; `code` is the remote's close code, 1006 when none came */
  onClose(code: number, reason: string): void
}

export interface SocketDriver {
  /** bytes handed to `send()` and not yet passed to the network */
  readonly bufferedAmount: number
  /** true while messages may be sent */
  readonly isOpen: boolean
  /**
   * true when the driver calls `onWritten` as sent bytes leave (Node); false
   * when the connection must poll `bufferedAmount` to learn it (browsers)
   */
  readonly reportsWrites: boolean
  /** Sends one binary message. */
  send(data: Uint8Array): void
  /** Starts the close handshake with `code` (sent after every queued message). */
  close(code: number, reason: string): void
  /** Drops the connection at once; browsers, which cannot, close instead. */
  terminate(): void
  /** Stops reading from the network (a no-op where unsupported, as in browsers). */
  pause(): void
  resume(): void
  /** Starts delivering events; called once. */
  attach(events: SocketEvents): void
}
