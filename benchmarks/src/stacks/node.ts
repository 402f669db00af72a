/** What a benchmark process needs from a libp2p node, whichever stack built it. */
import type { AbortOptions, Connection, Libp2p } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export type Stack = 'weft' | 'js'
export type Muxer = 'yamux' | 'mplex'

export interface NodeOptions {
  muxer: Muxer
  /** listen on 127.0.0.1 (servers) */
  listen: boolean
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

export async function createNode(stack: Stack, options: NodeOptions): Promise<BenchNode> {
  // each stack is imported only in the processes that use it
  const module = stack === 'weft' ? await import('./weft.js') : await import('./js.js')
  return module.createNode(options)
}
