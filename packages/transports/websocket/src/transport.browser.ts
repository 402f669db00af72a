/**
 * The WebSocket `Transport` in browsers: dial only, with the native
 * `WebSocket` (or `init.webSocketClass`). A page cannot accept connections,
 * so `listenFilter` keeps nothing and `createListener` throws. No Node
 * built-ins are imported from here.
 */
import { type CreateListenerOptions, type Listener, UnsupportedOperationError } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { WebSocketTarget } from './addresses.js'
import { BrowserSocketDriver, type StandardWebSocket } from './browser-driver.js'
import { describeCloseCode } from './close-codes.js'
import { DialError } from './errors.js'
import type { SocketDriver } from './socket-driver.js'
import { BaseWebSocketTransport } from './transport-base.js'

export class BrowserWebSocketTransport extends BaseWebSocketTransport {
  createListener(_options: CreateListenerOptions): Listener {
    throw new UnsupportedOperationError('a browser cannot listen for WebSocket connections')
  }

  listenFilter = (_multiaddrs: Multiaddr[]): Multiaddr[] => []

  protected async openSocket(
    ma: Multiaddr,
    target: WebSocketTarget,
    signal: AbortSignal,
  ): Promise<SocketDriver> {
    const WebSocketClass =
      this.init.webSocketClass ??
      (globalThis as { WebSocket?: new (url: string) => StandardWebSocket }).WebSocket
    if (WebSocketClass == null) {
      throw new DialError(ma.toString(), 'this runtime has no global WebSocket')
    }
    // a browser chooses the TLS server name from the URL: dial the /sni name when given
    const url = target.serverName == null ? target.url : `wss://${target.serverName}:${target.port}/`
    let socket: StandardWebSocket
    try {
      socket = new WebSocketClass(url)
    } catch (err) {
      // a malformed URL, or a port the browser blocks
      throw new DialError(ma.toString(), (err as Error).message, { cause: err })
    }
    socket.binaryType = 'arraybuffer'
    // the close event that follows an error says what there is to say; some
    // implementations (ws) throw on an error event nobody listens to
    socket.addEventListener('error', () => {})
    return new Promise<SocketDriver>((resolve, reject) => {
      const cleanup = (): void => {
        socket.removeEventListener('open', onOpen)
        socket.removeEventListener('close', onClose)
        signal.removeEventListener('abort', onAbort)
      }
      const onOpen = (): void => {
        cleanup()
        resolve(new BrowserSocketDriver(socket))
      }
      // browsers report no reason for a failed connection (WHATWG WebSockets: by design)
      const onClose = (event: CloseEvent): void => {
        cleanup()
        reject(
          new DialError(
            ma.toString(),
            `the WebSocket closed while opening, code ${describeCloseCode(event.code)}`,
          ),
        )
      }
      const onAbort = (): void => {
        cleanup()
        socket.close()
        reject(signal.reason)
      }
      socket.addEventListener('open', onOpen, { once: true })
      socket.addEventListener('close', onClose, { once: true })
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}
