/**
 * The WebSocket `Transport` in Node: dials with `ws` (TLS settings from
 * `dialTls`), listens with an http or https server (`WebSocketListener`).
 */
import type { CreateListenerOptions, Listener } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type ClientOptions, WebSocket } from 'ws'
import { isListenable, type WebSocketTarget } from './addresses.js'
import { DialError } from './errors.js'
import { WebSocketListener } from './listener.js'
import { NodeSocketDriver } from './node-driver.js'
import type { SocketDriver } from './socket-driver.js'
import { BaseWebSocketTransport } from './transport-base.js'

export class WebSocketTransport extends BaseWebSocketTransport {
  createListener(options: CreateListenerOptions): Listener {
    return new WebSocketListener({
      upgrader: options.upgrader,
      logger: this.components.logger,
      options: this.init,
    })
  }

  listenFilter = (multiaddrs: Multiaddr[]): Multiaddr[] => multiaddrs.filter(isListenable)

  protected async openSocket(
    ma: Multiaddr,
    target: WebSocketTarget,
    signal: AbortSignal,
  ): Promise<SocketDriver> {
    const tls = this.init.dialTls
    const maxPayload = this.init.maxPayload
    const options: ClientOptions & { servername?: string } = {
      perMessageDeflate: false,
      followRedirects: false,
      maxPayload,
      skipUTF8Validation: true,
      family: target.isName ? target.family : undefined,
      servername: target.serverName,
      ca: tls?.ca as string | Buffer | Array<string | Buffer> | undefined,
      rejectUnauthorized: tls?.rejectUnauthorized,
    }
    const socket = new WebSocket(target.url, options)
    // errors after the dial settled (the abort below) must not go unheard
    socket.on('error', (err) => this.log.trace('dial to %a: %s', ma, err.message))
    return new Promise<SocketDriver>((resolve, reject) => {
      const cleanup = (): void => {
        socket.off('open', onOpen)
        socket.off('error', onError)
        signal.removeEventListener('abort', onAbort)
      }
      const onOpen = (): void => {
        cleanup()
        resolve(new NodeSocketDriver(socket, maxPayload))
      }
      const onError = (err: Error & { code?: string }): void => {
        cleanup()
        socket.terminate()
        reject(toDialError(ma, err))
      }
      const onAbort = (): void => {
        cleanup()
        socket.terminate()
        this.log('dial to %a aborted: %s', ma, (signal.reason as Error)?.message)
        reject(signal.reason)
      }
      socket.once('open', onOpen)
      socket.once('error', onError)
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed',
  EADDRNOTAVAIL: 'address not available',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate does not name the host',
  CERT_HAS_EXPIRED: 'certificate expired',
}

function toDialError(ma: Multiaddr, err: Error & { code?: string }): DialError {
  const code = err.code
  const status = /Unexpected server response: (\d{3})/.exec(err.message)
  if (status != null) {
    const statusCode = Number(status[1])
    return new DialError(ma.toString(), `the server answered HTTP ${statusCode} instead of upgrading`, {
      statusCode,
      cause: err,
    })
  }
  const reason = code != null && REASONS[code] != null ? `${REASONS[code]} (${code})` : err.message
  return new DialError(ma.toString(), reason, { code, cause: err })
}
