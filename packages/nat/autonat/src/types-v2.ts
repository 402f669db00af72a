/** AutoNAT v2's options, the components it needs and what it reports (see autonat-v2-service.ts). */
import type { AbortOptions, ComponentLogger, Connection, PeerId, Transport } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { HandlerRegistrar } from '@weft/utils'
import type { AddressReachability } from './address-confidence.js'
import type { DialResponse, DialStatus } from './autonat-v2.pb.js'

export interface AutoNATv2Init {
  /** answer dial requests (default true) */
  server?: boolean
  /** dial private (RFC 1918, loopback, link-local) addresses too (default false; for tests and LANs) */
  allowPrivateAddresses?: boolean
  /** bytes asked for before dialing another IP than the observed one (default 30 000) */
  dialDataBytes?: number
  /** most dial data the client pays (default 100 000) */
  maxDialDataBytes?: number
  /** ms a dial-back may take (default 15 000) */
  dialTimeout?: number
  /** ms one request may take (default 30 000) */
  requestTimeout?: number
  /** dial-backs at once; more requests get E_REQUEST_REJECTED (default 4) */
  maxConcurrentDialBacks?: number
  /** dial-backs per peer per minute, one at a time; more get E_REQUEST_REJECTED (default 3) */
  maxDialBacksPerPeer?: number
  /** dial-backs in all per minute; more get E_REQUEST_REJECTED (default 30) */
  maxDialBacksPerMinute?: number
  /** nonces awaited at once (default 32) */
  maxPendingChecks?: number
  /** distinct servers that must agree, net of those that disagree, to decide an address (default 3) */
  confidence?: number
  /** recent results kept per address, one per server (default 5) */
  resultsPerAddress?: number
  /** addresses whose results are kept (default 64) */
  maxTrackedAddresses?: number
}

/** An address's reachability changed: `confidence` servers more agreed than disagreed. */
export interface AddressReachabilityChange {
  address: Multiaddr
  reachability: AddressReachability
  confidence: number
}

export interface AutoNATv2Events {
  'reachability:address': CustomEvent<AddressReachabilityChange>
}

export interface AutoNATv2Components {
  peerId: PeerId
  logger: ComponentLogger
  registrar: HandlerRegistrar
  connectionManager: {
    openConnection(
      target: Multiaddr | PeerId,
      // portUse 'new': a dial-back leaves from a port of its own (@weft/host's `PortUse`)
      options?: AbortOptions & { force?: boolean; portUse?: 'new' | 'reuse' },
    ): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  transportManager: { dialTransportForMultiaddr(address: Multiaddr): Transport | undefined }
}

/** One server's verdict on one address. */
export interface AddressCheck {
  status: DialResponse.ResponseStatus
  /** the address the server tried */
  address?: Multiaddr
  dialStatus?: DialStatus
  /** true: dialed and the nonce came back; false: the dial failed; undefined: no verdict */
  reachable?: boolean
  /** dial data we sent */
  dialDataSent: number
}
