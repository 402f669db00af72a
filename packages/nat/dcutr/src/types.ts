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
import type { BirthdayLimits } from './birthday.js'
import type { NatInfo } from './nat-info.js'
import type { PunchStrategy } from './punch-plan.js'

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
  /** addresses of the peer dialed per round, for each transport (TCP, QUIC; default 4) */
  maxAddresses?: number
  /**
   * dial private, loopback, link-local and other special-purpose addresses a
   * peer names (default false: a remote could otherwise point us at hosts on
   * our LAN; for tests and LANs)
   */
  allowPrivateAddresses?: boolean
  /** first dial the peer's public listen addresses directly (default true) */
  unilateral?: boolean
  /**
   * Our NAT as last measured, offered to the peer in each `Connect` and used
   * to plan the punch (punch-plan.ts): e.g. `() => lastReport` with a
   * `NatReport` from @weft/stun's `discoverNat`. DCUtR contacts no STUN server
   * itself. Without it (default) the punch goes at the mapped ports, as the
   * spec has it.
   */
  natInfo?: () => NatInfo | undefined
  /**
   * ms a round's TCP dials wait while its QUIC dials run, when both sides
   * offered QUIC addresses (default 500): where both would work, QUIC wins
   */
  quicHeadStart?: number
  /**
   * the UDP birthday search (birthday.ts) between a NAT that randomises its
   * ports and a filtering cone or a sequential NAT: `false` turns it off, an
   * object changes its limits (default on, 256 sockets, 2 000 probes, 500
   * probes/s, 4 s; opposite a sequential NAT each socket aims at its next
   * 128 ports, and its probes start 150 ms later). It
   * runs only when both sides have a QUIC listener to offer and said so in
   * their `Connect` (needs `natInfo`)
   */
  birthday?: boolean | Partial<BirthdayLimits>
  /** predicted ports dialed for a peer whose NAT allocates in sequence (default 6) */
  predictionWindow?: number
  /**
   * further upgrades of a connection that stayed relayed, in the background
   * (default 2; 0 for none); a punch planned as hopeless is not retried
   */
  upgradeRetries?: number
  /** ms before the first further upgrade; each next one waits twice as long (default 10 000) */
  upgradeRetryDelay?: number
  /**
   * ms the `hole-punch` rung of the host's connection ladder waits for a
   * direct connection after the relayed one opened (default 10 000)
   */
  rungTimeout?: number
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
      options?: AbortOptions & { force?: boolean; ladder?: boolean },
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
  /** the plan of the last round (punch-plan.ts), when a round got that far */
  strategy?: PunchStrategy['kind']
  /** background retry this came from (0: the first upgrade) */
  retry?: number
  /** the direct connection (outcome 'direct') */
  connection?: Connection
  /** why it stayed relayed (outcome 'relay') */
  error?: Error
}

export interface DCUtREvents {
  upgrade: CustomEvent<UpgradeOutcome>
}
