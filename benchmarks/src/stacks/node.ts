/** What a benchmark process needs from a libp2p node, whichever stack built it. */
import type { AbortOptions, Connection, Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export type Stack = 'weft' | 'js'
export type Muxer = 'yamux' | 'mplex'
/** TCP + Noise + the muxer (every case but `transports`), TCP + TLS + the muxer, or QUIC (its own muxer) */
export type TransportName = 'tcp-noise' | 'tcp-tls' | 'quic'

export interface NodeOptions {
  muxer: Muxer
  /** listen on 127.0.0.1 (servers) */
  listen: boolean
  /** 'tcp-noise' when absent */
  transport?: TransportName
}

/** The listen address for `transport` on 127.0.0.1. */
export function listenAddress(transport: TransportName = 'tcp-noise'): string {
  return transport === 'quic' ? '/ip4/127.0.0.1/udp/0/quic-v1' : '/ip4/127.0.0.1/tcp/0'
}

export interface BenchNode {
  readonly stack: Stack
  readonly libp2p: Libp2p
  /** the first listen address, with /p2p/<peer id> */
  address(): Multiaddr
  /** a new connection, even if one to the peer exists */
  dial(address: Multiaddr, options: AbortOptions): Promise<Connection>
  /** one ping on an existing connection to the peer */
  ping(connection: Connection, options: AbortOptions): Promise<void>
  /** seconds from opening a perf stream on `connection` (open to `target`) to the end of the exchange */
  perf(
    connection: Connection,
    target: Multiaddr,
    upload: number,
    download: number,
    options: AbortOptions,
  ): Promise<number>
  stop(): Promise<void>
}

/** Limits raised on both stacks so 500 connections and fast re-dials are accepted. */
export const CONNECTION_LIMITS = {
  maxConnections: 1000,
  maxIncomingPendingConnections: 1000,
}

/**
 * weft's resource manager, for the memory case's hundreds of idle connections
 * between the same two peers (opened in parallel): the per-peer and
 * not-yet-upgraded connection limits are lifted as `CONNECTION_LIMITS` lifts
 * the connection manager's; everything is still counted, and the memory and
 * stream limits keep their defaults.
 */
export const WEFT_RESOURCES = {
  system: { connections: 2000, connectionsInbound: 2000, connectionsOutbound: 2000, fd: 4000 },
  transient: { connections: 2000, connectionsInbound: 2000, connectionsOutbound: 2000, fd: 4000 },
  peer: { connections: 2000, connectionsInbound: 2000, connectionsOutbound: 2000, fd: 4000 },
}

export async function createNode(stack: Stack, options: NodeOptions): Promise<BenchNode> {
  // each stack is imported only in the processes that use it
  const module = stack === 'weft' ? await import('./weft.js') : await import('./js.js')
  return module.createNode(options)
}
