/**
 * The address manager: which addresses this host tells others about.
 *
 * `getAddresses()` = the `announce` addresses when configured, else the
 * listeners' addresses plus observed addresses someone confirmed (AutoNAT);
 * then `appendAnnounce`, minus `noAnnounce`, through `announceFilter`, each
 * ending in `/p2p/<our peer id>`. Listeners report wildcard addresses as they
 * choose (weft's TCP listener expands `0.0.0.0` to interface addresses).
 * Observed addresses are bounded; the oldest is dropped first. When the
 * result changes, our own peer store record is updated, which dispatches
 * `self:peer:update` (identify push listens for it).
 */
import type {
  ComponentLogger,
  Libp2pEvents,
  Logger,
  PeerId,
  PeerStore,
  TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { AddressManager as AddressManagerInterface, TransportManager } from './components.js'
import { type AddressManagerConfig, resolveAddressManagerConfig } from './config.js'
import { withoutPeerId, withPeerId } from './internal/addresses.js'

export interface AddressManagerComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  /** read when addresses are computed */
  transportManager: Pick<TransportManager, 'getAddrs'>
  peerStore: Pick<PeerStore, 'patch'>
}

export interface AddressManagerInit {
  /** addresses to announce instead of the listen addresses */
  announce?: Array<string | Multiaddr>
  /** addresses to announce in addition to the others */
  appendAnnounce?: Array<string | Multiaddr>
  /** addresses never to announce */
  noAnnounce?: Array<string | Multiaddr>
  /** a last say over the announced addresses */
  announceFilter?: (addresses: Multiaddr[]) => Multiaddr[]
  /** observed addresses remembered, confirmed or not (default 20 each) */
  maxObservedAddresses?: number
}

export class AddressManager implements AddressManagerInterface {
  private readonly noAnnounce: Set<string>
  /** unconfirmed observed addresses, oldest first */
  private readonly observed = new Map<string, Multiaddr>()
  private readonly confirmed = new Map<string, Multiaddr>()
  private readonly log: Logger
  private published = ''

  constructor(
    private readonly components: AddressManagerComponents,
    private readonly config: AddressManagerConfig = resolveAddressManagerConfig(),
  ) {
    this.log = components.logger.forComponent('weft:address-manager')
    this.noAnnounce = new Set(config.noAnnounce.map(keyOf))
    this.onTransportChange = this.onTransportChange.bind(this)
    components.events.addEventListener('transport:listening', this.onTransportChange)
    components.events.addEventListener('transport:close', this.onTransportChange)
  }

  getListenAddrs(): Multiaddr[] {
    return this.components.transportManager.getAddrs()
  }

  getAnnounceAddrs(): Multiaddr[] {
    return [...this.config.announce]
  }

  getObservedAddrs(): Multiaddr[] {
    return [...this.observed.values(), ...this.confirmed.values()]
  }

  addObservedAddr(addr: Multiaddr): void {
    const address = withoutPeerId(addr)
    const key = keyOf(address)
    if (this.confirmed.has(key) || this.observed.has(key)) return
    this.observed.set(key, address)
    trim(this.observed, this.config.maxObservedAddresses)
  }

  confirmObservedAddr(addr: Multiaddr): void {
    const address = withoutPeerId(addr)
    const key = keyOf(address)
    this.observed.delete(key)
    if (this.confirmed.has(key)) return
    this.confirmed.set(key, address)
    trim(this.confirmed, this.config.maxObservedAddresses)
    this.publish()
  }

  removeObservedAddr(addr: Multiaddr): void {
    const key = keyOf(withoutPeerId(addr))
    this.observed.delete(key)
    if (this.confirmed.delete(key)) this.publish()
  }

  getAddresses(): Multiaddr[] {
    const base =
      this.config.announce.length > 0
        ? this.config.announce
        : [...this.getListenAddrs(), ...this.confirmed.values()]
    const seen = new Set<string>()
    const out: Multiaddr[] = []
    for (const address of [...base, ...this.config.appendAnnounce]) {
      const key = keyOf(address)
      if (seen.has(key) || this.noAnnounce.has(key)) continue
      seen.add(key)
      out.push(address)
    }
    return this.config.announceFilter(out).map((address) => withPeerId(address, this.components.peerId))
  }

  /** Detaches from the host's events. */
  dispose(): void {
    this.components.events.removeEventListener('transport:listening', this.onTransportChange)
    this.components.events.removeEventListener('transport:close', this.onTransportChange)
  }

  private onTransportChange(): void {
    this.publish()
  }

  /** Writes our addresses to our peer store record when they changed. */
  private publish(): void {
    const addresses = this.getAddresses()
    const key = addresses.map(String).join(' ')
    if (key === this.published) return
    this.published = key
    this.components.peerStore.patch(this.components.peerId, { multiaddrs: addresses }).catch((err: Error) => {
      this.log.error('could not record our addresses: %s', err.message)
    })
  }
}

/** Addresses compare without their trailing /p2p/ part. */
function keyOf(address: Multiaddr): string {
  return withoutPeerId(address).toString()
}

function trim(map: Map<string, Multiaddr>, max: number): void {
  for (const key of map.keys()) {
    if (map.size <= max) return
    map.delete(key)
  }
}
