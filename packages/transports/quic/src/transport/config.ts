/** Options of the QUIC transport and their defaults. */
import type { ConnectionOptions } from '../connection/connection.js'

export interface QuicInit {
  /** ms a dial may take, handshake included (default 10 000) */
  dialTimeout?: number
  /** ms a server handshake may take (default 10 000) */
  handshakeTimeout?: number
  /** connections per UDP socket (default 1 024) */
  maxConnections?: number
  /** server connections in their handshake per socket (default 128): bounds an Initial flood */
  maxHandshakes?: number
  /** ms without traffic before a connection ends (default 30 000) */
  maxIdleTimeout?: number
  /** send PINGs so idle connections stay up (default true) */
  keepAlive?: boolean
  /** streams the peer may open at once per connection (default 256) */
  maxInboundStreams?: number
  /** receive window per stream in bytes (default 1 MiB) */
  streamWindow?: number
  /** receive window per connection in bytes (default 4 MiB) */
  connectionWindow?: number
  /** unsent bytes per stream before writers wait (default 256 KiB) */
  writeHighWater?: number
  /** 1-RTT packets under one key phase before we update keys (default 2^20; tests lower it) */
  keyUpdateInterval?: number
}

export interface QuicConfig {
  dialTimeout: number
  handshakeTimeout: number
  maxConnections: number
  maxHandshakes: number
  connection: ConnectionOptions
}

export function resolveConfig(init: QuicInit = {}): QuicConfig {
  return {
    dialTimeout: init.dialTimeout ?? 10_000,
    handshakeTimeout: init.handshakeTimeout ?? 10_000,
    maxConnections: init.maxConnections ?? 1024,
    maxHandshakes: init.maxHandshakes ?? 128,
    connection: {
      idleTimeout: init.maxIdleTimeout ?? 30_000,
      keepAlive: init.keepAlive ?? true,
      keyUpdateInterval: init.keyUpdateInterval ?? 2 ** 20,
      limits: {
        streamWindow: init.streamWindow ?? 1024 * 1024,
        connectionWindow: init.connectionWindow ?? 4 * 1024 * 1024,
        maxIncomingStreams: init.maxInboundStreams ?? 256,
        writeHighWater: init.writeHighWater ?? 256 * 1024,
      },
    },
  }
}
