/**
 * Wires peer discovery into the host: every service that exposes
 * `[peerDiscoverySymbol]` (bootstrap, mDNS, rendezvous, a DHT, or a js-libp2p
 * module) has its `'peer'` events merged into the peer store and re-emitted
 * as the host's `'peer:discovery'`, which the auto-dialer and applications
 * listen to. Events are checked (a peer id, at most `maxAddresses`
 * multiaddrs), our own id is ignored, and at most `maxPending` peer store
 * writes run at once (further events are dropped until they finish).
 */
import {
  type ComponentLogger,
  isPeerId,
  type Libp2pEvents,
  type Logger,
  type PeerDiscovery,
  type PeerId,
  type PeerInfo,
  type PeerStore,
  peerDiscoverySymbol,
  type TypedEventTarget,
} from '@libp2p/interface'
import { isMultiaddr } from '@multiformats/multiaddr'
import { type PeerDiscoveryConfig, resolvePeerDiscoveryConfig } from './config.js'

export interface PeerDiscoveryComponents {
  peerId: PeerId
  peerStore: PeerStore
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export interface PeerDiscoveryInit {
  /** multiaddrs taken from one event (default 64) */
  maxAddresses?: number
  /** peer store writes in flight (default 256) */
  maxPending?: number
}

/** The discovery modules among `services`: those exposing `[peerDiscoverySymbol]`. */
export function findDiscoveries(services: Record<string, unknown>): PeerDiscovery[] {
  const found: PeerDiscovery[] = []
  for (const service of Object.values(services)) {
    if (service == null || (typeof service !== 'object' && typeof service !== 'function')) continue
    const discovery = (service as { [peerDiscoverySymbol]?: PeerDiscovery })[peerDiscoverySymbol]
    if (discovery != null && typeof discovery.addEventListener === 'function') found.push(discovery)
  }
  return found
}

export class PeerDiscoveryRelay {
  private readonly log: Logger
  private pending = 0
  private started = false

  constructor(
    private readonly components: PeerDiscoveryComponents,
    private readonly discoveries: PeerDiscovery[],
    private readonly config: PeerDiscoveryConfig = resolvePeerDiscoveryConfig(),
  ) {
    this.log = components.logger.forComponent('weft:peer-discovery')
    this.onPeer = this.onPeer.bind(this)
  }

  start(): void {
    if (this.started) return
    this.started = true
    for (const discovery of this.discoveries) discovery.addEventListener('peer', this.onPeer)
  }

  stop(): void {
    this.started = false
    for (const discovery of this.discoveries) discovery.removeEventListener('peer', this.onPeer)
  }

  private onPeer(evt: CustomEvent<PeerInfo>): void {
    const info = evt.detail
    if (!this.started || info == null || !isPeerId(info.id)) {
      this.log('ignoring a discovery event without a peer id')
      return
    }
    if (info.id.equals(this.components.peerId)) return
    const multiaddrs = (Array.isArray(info.multiaddrs) ? info.multiaddrs : [])
      .filter((address) => isMultiaddr(address))
      .slice(0, this.config.maxAddresses)
    if (this.pending >= this.config.maxPending) {
      this.log('dropping discovered peer %p: %d peer store writes pending', info.id, this.pending)
      return
    }
    this.pending++
    this.components.peerStore
      .merge(info.id, { multiaddrs })
      .then(
        () => {
          if (this.started) {
            this.components.events.safeDispatchEvent('peer:discovery', {
              detail: { id: info.id, multiaddrs },
            })
          }
        },
        (err: Error) => this.log.error('could not record discovered peer %p: %s', info.id, err.message),
      )
      .finally(() => {
        this.pending--
      })
  }
}
