/**
 * The AutoNAT v1 service's options, the components it needs and what one
 * check reports (see autonat-service.ts for what it does with them).
 */
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  Libp2pEvents,
  PeerId,
  TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { HandlerRegistrar } from '@weft/utils'
import type { Message } from './autonat.pb.js'
import type { Reachability } from './reachability.js'

export interface AutoNATInit {
  /** answer other peers' dial requests (default true) */
  server?: boolean
  /** ms a dial-back may take (default 15 000) */
  dialTimeout?: number
  /** dial-backs running at once; more requests get E_DIAL_REFUSED (default 4) */
  maxConcurrentDialBacks?: number
  /** addresses of one request the server tries (default 16) */
  maxAddressesPerRequest?: number
  /** dial-backs per peer per minute, one at a time; more get E_DIAL_REFUSED (default 3) */
  maxDialBacksPerPeer?: number
  /** dial-backs in all per minute; more get E_DIAL_REFUSED (default 30) */
  maxDialBacksPerMinute?: number
  /**
   * dial requesters back that connect from a private, loopback, link-local or
   * other special-purpose IP (default false; for tests and LANs)
   */
  allowPrivateAddresses?: boolean
  /** agreeing answers that decide reachability (default 3) */
  threshold?: number
  /** ms between rounds of checks (default 15 min; 0: only on identify) */
  refreshInterval?: number
  /** servers asked per round (default 4) */
  maxServersPerRound?: number
  /** ms one request may take, dial-back included (default 30 000) */
  requestTimeout?: number
  /** peers known to speak AutoNAT that are remembered (default 64) */
  maxKnownServers?: number
}

export interface AutoNATComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  registrar: HandlerRegistrar
  connectionManager: {
    openConnection(
      target: Multiaddr | PeerId,
      // portUse 'new': a dial-back leaves from a port of its own (@weft/host's `PortUse`)
      options?: AbortOptions & { force?: boolean; portUse?: 'new' | 'reuse' },
    ): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  addressManager: {
    getAddresses(): Multiaddr[]
    getObservedAddrs(): Multiaddr[]
    confirmObservedAddr(address: Multiaddr): void
  }
}

export interface AutoNATEvents {
  'reachability:change': CustomEvent<Reachability>
}

/** What one server answered. */
export interface CheckResult {
  status: Message.ResponseStatus
  /** true when it dialed us back, false when it could not, undefined when it refused to try */
  reachable?: boolean
  /** the address it reached */
  address?: Multiaddr
}
