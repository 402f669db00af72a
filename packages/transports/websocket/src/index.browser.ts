/**
 * @weft/websocket for browsers: the same API as the Node build (see
 * index.ts), but dial only, with the native `WebSocket`; nothing here imports
 * a Node built-in. `createListener` throws `UnsupportedOperationError` and
 * `listenFilter` keeps no address, so a host in a page simply does not
 * listen.
 */
import type { Transport } from '@libp2p/interface'
import {
  resolveConfig,
  type WebSocketsComponents,
  type WebSocketsDialEvents,
  type WebSocketsInit,
} from './options.js'
import { BrowserWebSocketTransport } from './transport.browser.js'

export { isDialable, isListenable, toWebSocketTarget, type WebSocketTarget } from './addresses.js'
export type { StandardWebSocket } from './browser-driver.js'
export { CloseCode, describeCloseCode, isCleanClose } from './close-codes.js'
export {
  type WebSocketCloseOptions,
  WebSocketConnection,
  type WebSocketConnectionInit,
} from './connection.js'
export * from './errors.js'
export type {
  TlsMaterial,
  WebSocketsComponents,
  WebSocketsDialEvents,
  WebSocketsInit,
  WebSocketsOpenConnectionEvent,
} from './options.js'
export type { SocketDriver, SocketEvents } from './socket-driver.js'
export { BrowserWebSocketTransport }

/** The WebSocket transport factory: `webSockets(init)(components)`. */
export function webSockets(
  init: WebSocketsInit = {},
): (components: WebSocketsComponents) => Transport<WebSocketsDialEvents> {
  const resolved = resolveConfig(init)
  return (components) => new BrowserWebSocketTransport(resolved, components)
}
