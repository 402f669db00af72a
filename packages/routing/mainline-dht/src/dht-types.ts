/** The shapes of a Mainline DHT node's API: its events, options and results. */
import type { Address, NodeContact } from './address.js'
import type { LookupResult } from './lookup.js'
import type { Response } from './message.js'

export interface MainlineDHTEvents {
  /** Someone announced a peer to us (announce_peer accepted). */
  announce: CustomEvent<{ infohash: Uint8Array; peer: Address }>
  /** Enough responders agree on our external address (BEP42 `ip`). */
  'external-address': CustomEvent<string>
}

export interface AbortOptions {
  signal?: AbortSignal
}

export interface AnnounceOptions extends AbortOptions {
  /** The port peers should connect to; with `impliedPort` the DHT's own UDP port is used. */
  port?: number
  impliedPort?: boolean
}

export interface LookupOptions extends AbortOptions {
  onResponse?: (response: Response, from: NodeContact) => void
}

export interface AnnounceResult {
  /** Nodes that accepted the announcement. */
  announced: number
  lookup: LookupResult
}
