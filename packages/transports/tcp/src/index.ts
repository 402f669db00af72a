/**
 * @weft/tcp: the TCP transport for weft and js-libp2p, on node:net.
 *
 * Dials and listens on `/ip4/<addr>/tcp/<port>` and `/ip6/<addr>/tcp/<port>`
 * (dials `/dns`, `/dns4`, `/dns6` names too; a trailing `/p2p/<id>` is
 * allowed). Connections are @libp2p/interface 3.x `MultiaddrConnection`s with
 * real TCP back-pressure: a full socket makes `send()` return false until
 * `'drain'`, and a paused reader pauses the socket. Listening on port 0 picks
 * a free port; on `0.0.0.0` or `::` the listener reports every interface
 * address.
 *
 * @example
 * ```ts
 * import { tcp } from '@weft/tcp'
 * import { defaultLogger } from '@weft/utils'
 * import { multiaddr } from '@multiformats/multiaddr'
 *
 * const transport = tcp()({ logger: defaultLogger() })
 * const listener = transport.createListener({ upgrader })
 * await listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0'))
 * const connection = await transport.dial(listener.getAddrs()[0], {
 *   upgrader,
 *   signal: AbortSignal.timeout(5_000),
 * })
 * ```
 *
 * Options (`TcpInit`, all optional): `dialTimeout` (10 s, the TCP connect),
 * `closeTimeout` (500 ms, a graceful close before the socket is destroyed),
 * `inboundSocketInactivityTimeout` / `outboundSocketInactivityTimeout`
 * (120 s, idle sockets are destroyed; 0 disables), `maxConnections` (10 000) and `backlog` (per listener), `noDelay` (true),
 * `keepAlive` (false), `allowHalfOpen` (false: the remote's FIN is reported as
 * `remoteCloseWrite`, then the connection closes its side too),
 * `maxReadBufferLength`, `maxWriteBufferLength`. The upgrader bounds an
 * inbound upgrade and aborts a connection whose upgrade failed (the host:
 * `connectionManager.inboundUpgradeTimeout`).
 */
import type { Transport } from '@libp2p/interface'
import type { TcpInit } from './config.js'
import { type TcpComponents, type TcpDialEvents, TcpTransport } from './transport.js'

export { isDialable, isListenable, socketAddressToMultiaddr } from './addresses.js'
export {
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_DIAL_TIMEOUT,
  DEFAULT_INACTIVITY_TIMEOUT,
  DEFAULT_MAX_CONNECTIONS,
  resolveConfig,
  type TcpConfig,
  type TcpInit,
} from './config.js'
export { TcpConnection, type TcpConnectionInit } from './connection.js'
export * from './errors.js'
export { TcpListener } from './listener.js'
export type {
  TcpComponents,
  TcpDialEvents,
  TcpDialOptions,
  TcpOpenConnectionEvent,
} from './transport.js'
export { TcpTransport }

/** The TCP transport factory: `tcp(init)(components)`. */
export function tcp(init: TcpInit = {}): (components: TcpComponents) => Transport<TcpDialEvents> {
  return (components) => new TcpTransport(init, components)
}
