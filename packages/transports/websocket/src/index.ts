/**
 * @weft/websocket: the WebSocket transport for weft and js-libp2p.
 *
 * In Node it dials and listens on `/ip4|ip6/<addr>/tcp/<port>/ws`, `/wss`
 * and `/tls/ws` (dials `/dns`, `/dns4`, `/dns6` names and `/tls/sni/<name>/ws`
 * too; a trailing `/p2p/<id>` is allowed), on `ws`. In browsers (the
 * `browser` export condition picks `index.browser.ts`) it only dials, with
 * the native `WebSocket`, and imports no Node built-ins. Connections are
 * @libp2p/interface 3.x `MultiaddrConnection`s; each write is one binary
 * message. Back-pressure holds both ways: above `maxBufferedAmount` unsent
 * bytes `send()` returns false until `'drain'`, and in Node a paused reader
 * pauses the socket. Messages above `maxPayload` abort the connection.
 * Close codes: 1000 for `close()`, 1001 from a listener shutting down, 4000
 * for `abort()`; any code but 1000/1001/1005 reaches the remote as a reset.
 *
 * @example
 * ```ts
 * import { createHost } from '@weft/host'
 * import { noise } from '@weft/noise'
 * import { webSockets } from '@weft/websocket'
 * import { yamux } from '@weft/yamux'
 *
 * const host = await createHost({
 *   addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
 *   transports: [webSockets()],
 *   connectionEncrypters: [noise()],
 *   streamMuxers: [yamux()],
 * })
 * ```
 *
 * Options (`WebSocketsInit`, all optional): `https: { cert, key }` (needed to
 * listen on `/wss`), `dialTls: { ca, rejectUnauthorized }` (Node dials of
 * `/wss`), `maxPayload` (4 MiB, largest message accepted), `maxMessageSize`
 * (1 MiB, largest message sent), `maxBufferedAmount` (1 MiB),
 * `bufferedAmountPollInterval` (10 ms, browsers), `dialTimeout` (10 s),
 * `closeTimeout` (1 s), `inboundSocketInactivityTimeout` /
 * `outboundSocketInactivityTimeout` (120 s; 0 disables), `handshakeTimeout`
 * (10 s, the inbound HTTP upgrade request), `maxConnections` (10 000)
 * and `backlog` per listener, `maxReadBufferLength`, `maxWriteBufferLength`,
 * `webSocketClass` (browsers; default `globalThis.WebSocket`). The libp2p
 * upgrade that follows is the upgrader's: it bounds an inbound one and aborts
 * a connection whose upgrade failed (the host:
 * `connectionManager.inboundUpgradeTimeout`).
 */
import type { Transport } from '@libp2p/interface'
import {
  resolveConfig,
  type WebSocketsComponents,
  type WebSocketsDialEvents,
  type WebSocketsInit,
} from './options.js'
import { WebSocketTransport } from './transport.js'

export { isDialable, isListenable, toWebSocketTarget, type WebSocketTarget } from './addresses.js'
export { CloseCode, describeCloseCode, isCleanClose } from './close-codes.js'
export {
  type WebSocketCloseOptions,
  WebSocketConnection,
  type WebSocketConnectionInit,
} from './connection.js'
export * from './errors.js'
export { WebSocketListener } from './listener.js'
export type {
  TlsMaterial,
  WebSocketsComponents,
  WebSocketsDialEvents,
  WebSocketsInit,
  WebSocketsOpenConnectionEvent,
} from './options.js'
export type { SocketDriver, SocketEvents } from './socket-driver.js'
export { WebSocketTransport }

/** The WebSocket transport factory: `webSockets(init)(components)`. */
export function webSockets(
  init: WebSocketsInit = {},
): (components: WebSocketsComponents) => Transport<WebSocketsDialEvents> {
  const resolved = resolveConfig(init)
  return (components) => new WebSocketTransport(resolved, components)
}
