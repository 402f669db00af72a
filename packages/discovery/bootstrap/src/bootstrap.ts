/**
 * The bootstrap service: a fixed list of peers, announced as discovered and
 * dialed `timeout` ms after start, tagged in the peer store so the
 * connection manager prunes them last, and dialed again whenever their
 * connection drops, with exponential backoff between failed attempts.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type Libp2pEvents,
  type Logger,
  type PeerDiscovery,
  type PeerDiscoveryEvents,
  type PeerId,
  type PeerInfo,
  type PeerStore,
  peerDiscoverySymbol,
  type Startable,
  TypedEventEmitter,
  type TypedEventTarget,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import { type BootstrapInit, resolveConfig } from './config.js'
import { BootstrapStoppedError } from './errors.js'

export interface BootstrapComponents {
  peerStore: Pick<PeerStore, 'merge'>
  connectionManager: {
    openConnection(target: Multiaddr[], options?: AbortOptions): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

interface BootstrapPeer {
  id: PeerId
  multiaddrs: Multiaddr[]
  failures: number
  timer?: ReturnType<typeof setTimeout>
  dialing: boolean
}

export class Bootstrap extends TypedEventEmitter<PeerDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [Symbol.toStringTag] = '@weft/bootstrap'
  readonly [peerDiscoverySymbol] = this
  private readonly log: Logger
  private readonly peers = new Map<string, BootstrapPeer>()
  private readonly timeout: number
  private readonly tagName: string
  private readonly tagValue: number
  private readonly tagTTL: number
  private readonly retryDelay: number
  private readonly maxRetryDelay: number
  private startTimer?: ReturnType<typeof setTimeout>
  private shutdown = new AbortController()
  private started = false

  constructor(
    private readonly components: BootstrapComponents,
    init: BootstrapInit,
  ) {
    super()
    this.log = components.logger.forComponent('weft:bootstrap')
    const config = resolveConfig(init)
    for (const entry of config.list) {
      const address = multiaddr(entry)
      const name = address.getComponents().findLast((component) => component.name === 'p2p')?.value
      if (name == null) throw new TypeError(`bootstrap address ${entry} does not end in /p2p/<peer id>`)
      const id = peerIdFromString(name)
      const known = this.peers.get(id.toString())
      if (known != null) known.multiaddrs.push(address)
      else this.peers.set(id.toString(), { id, multiaddrs: [address], failures: 0, dialing: false })
    }
    this.timeout = config.timeout
    this.tagName = config.tagName
    this.tagValue = config.tagValue
    this.tagTTL = config.tagTTL
    this.retryDelay = config.retryDelay
    this.maxRetryDelay = config.maxRetryDelay
    this.onDisconnect = this.onDisconnect.bind(this)
    this.onConnect = this.onConnect.bind(this)
  }

  isStarted(): boolean {
    return this.started
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.shutdown = new AbortController()
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.components.events.addEventListener('peer:connect', this.onConnect)
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined
      void this.discover()
    }, this.timeout)
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.components.events.removeEventListener('peer:connect', this.onConnect)
    clearTimeout(this.startTimer)
    this.startTimer = undefined
    for (const peer of this.peers.values()) {
      clearTimeout(peer.timer)
      peer.timer = undefined
      peer.failures = 0
    }
    this.shutdown.abort(new BootstrapStoppedError('the bootstrap service stopped'))
  }

  /** Announces every bootstrap peer and dials those not connected. */
  private async discover(): Promise<void> {
    for (const peer of this.peers.values()) {
      if (!this.started) return
      await this.tag(peer)
      if (!this.started) return
      const detail: PeerInfo = { id: peer.id, multiaddrs: [...peer.multiaddrs] }
      this.safeDispatchEvent('peer', { detail })
      this.connect(peer)
    }
  }

  private async tag(peer: BootstrapPeer): Promise<void> {
    try {
      await this.components.peerStore.merge(
        peer.id,
        { multiaddrs: peer.multiaddrs, tags: { [this.tagName]: { value: this.tagValue, ttl: this.tagTTL } } },
        { signal: this.shutdown.signal },
      )
    } catch (err) {
      this.log.error('could not tag bootstrap peer %p: %s', peer.id, (err as Error).message)
    }
  }

  private connect(peer: BootstrapPeer): void {
    if (!this.started || peer.dialing || peer.timer != null) return
    if (this.components.connectionManager.getConnections(peer.id).length > 0) return
    peer.dialing = true
    this.components.connectionManager
      .openConnection(peer.multiaddrs, { signal: this.shutdown.signal })
      .then(
        () => {
          peer.failures = 0
        },
        (err: Error) => {
          peer.failures++
          this.log('dial of bootstrap peer %p failed (%d in a row): %s', peer.id, peer.failures, err.message)
          this.retry(peer)
        },
      )
      .finally(() => {
        peer.dialing = false
      })
  }

  private retry(peer: BootstrapPeer): void {
    if (!this.started || peer.timer != null) return
    const delay = Math.min(
      this.maxRetryDelay,
      this.retryDelay * 2 ** Math.min(Math.max(peer.failures - 1, 0), 30),
    )
    peer.timer = setTimeout(() => {
      peer.timer = undefined
      this.connect(peer)
    }, delay)
  }

  private onDisconnect(evt: CustomEvent<PeerId>): void {
    const peer = this.peers.get(evt.detail.toString())
    if (peer == null || !this.started) return
    this.log('bootstrap peer %p disconnected, reconnecting', peer.id)
    this.retry(peer)
  }

  private onConnect(evt: CustomEvent<PeerId>): void {
    const peer = this.peers.get(evt.detail.toString())
    if (peer == null || !this.started) return
    peer.failures = 0
    clearTimeout(peer.timer)
    peer.timer = undefined
    void this.tag(peer)
  }
}
