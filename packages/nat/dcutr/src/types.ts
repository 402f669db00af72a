/**
 * The DCUtR service's options, the components it needs and the outcome it
 * reports (see dcutr-service.ts for what it does with them).
 */
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  ConnectionGater,
  Libp2pEvents,
  PeerId,
  Transport,
  TypedEventTarget,
  Upgrader,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { HandlerRegistrar } from '@weft/utils'

export interface DCUtRInit {
  /** rounds of Connect/Sync/dial before giving up (default 3, the spec's "retry twice") */
  attempts?: number
  /** ms one round's dials may take (default 5 000: a dropped SYN is resent after 1 s) */
  punchTimeout?: number
  /** ms the Connect/Sync exchange may take (default 10 000) */
  exchangeTimeout?: number
  /** ms the relayed connection stays open after a direct one exists (default 5 000; -1 keeps it) */
  relayGracePeriod?: number
  /** upgrades running at once, and hole punches answered at once (default 16 each) */
  maxConcurrentUpgrades?: number
  /** addresses of the peer dialed per round (default 4) */
  maxAddresses?: number
  /**
   * dial private, loopback, link-local and other special-purpose addresses a
   * peer names (default false: a remote could otherwise point us at hosts on
   * our LAN; for tests and LANs)
   */
  allowPrivateAddresses?: boolean
  /** first dial the peer's public listen addresses directly (default true) */
  unilateral?: boolean
}

export interface DCUtRComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  registrar: HandlerRegistrar
  upgrader: Upgrader
  connectionManager: {
    getConnections(peerId?: PeerId): Connection[]
    openConnection(
      target: Multiaddr | Multiaddr[],
      options?: AbortOptions & { force?: boolean },
    ): Promise<Connection>
  }
  transportManager: { dialTransportForMultiaddr(address: Multiaddr): Transport | undefined }
  /** asked (`denyDialMultiaddr`) before each hole-punch dial, which bypasses the dialer */
  connectionGater?: ConnectionGater
  /** our own addresses: the public ones are offered beside the observed one */
  addressManager?: { getAddresses(): Multiaddr[] }
}

/** Which path a relayed connection ended on. */
export interface UpgradeOutcome {
  peer: PeerId
  outcome: 'direct' | 'relay'
  /** how: a plain dial to a public address, or a hole punch */
  method?: 'unilateral' | 'hole-punch'
  /** hole-punch rounds tried */
  attempts: number
  /** the direct connection (outcome 'direct') */
  connection?: Connection
  /** why it stayed relayed (outcome 'relay') */
  error?: Error
}

export interface DCUtREvents {
  upgrade: CustomEvent<UpgradeOutcome>
}
