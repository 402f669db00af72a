/**
 * Keeps the host at or above its low watermark (`minConnections`): when it
 * has fewer connections it dials peers it knows (the peer store, most tagged
 * first) or has just discovered (`peer:discovery`), at most `concurrency`
 * at once, each dial bounded by the dialer's timeout.
 *
 * Backoff: a peer whose dial failed is not tried again for `retryDelay`
 * × 2^(failures - 1), at most `maxRetryDelay`; a peer that just disconnected
 * waits `retryDelay` too (so `hangUp` is not undone at once). The backoff map
 * keeps at most `maxBackoffEntries` peers. Runs at start, on discovery and
 * every `interval` ms; stop aborts dials in flight and clears the timer.
 */
import type {
  ComponentLogger,
  Connection,
  Libp2pEvents,
  Logger,
  Peer,
  PeerId,
  PeerInfo,
  PeerStore,
  TypedEventTarget,
} from '@libp2p/interface'
import { type AutoDialerConfig, resolveAutoDialerConfig } from './config.js'

export interface AutoDialerInit {
  /** the low watermark: dial while fewer connections are open (default 10; 0 turns auto-dial off) */
  minConnections?: number
  /** ms between checks (default 10 000) */
  autoDialInterval?: number
  /** dials in flight at once (default 2) */
  autoDialConcurrency?: number
  /** ms before a failed or disconnected peer is dialed again; doubles per failure (default 10 000) */
  autoDialRetryDelay?: number
  /** the backoff's ceiling in ms (default 5 minutes) */
  autoDialMaxRetryDelay?: number
}

export interface AutoDialerComponents {
  peerId: PeerId
  peerStore: PeerStore
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

export interface AutoDialerHooks {
  connectionCount(): number
  isConnected(peer: PeerId): boolean
  dial(peer: PeerId, signal: AbortSignal): Promise<Connection>
}

export interface Backoff {
  failures: number
  /** epoch ms before which the peer is not dialed */
  until: number
}

const MAX_BACKOFF_ENTRIES = 1000

/** The delay after `failures` consecutive failures (pure). */
export function backoffDelay(failures: number, base: number, max: number): number {
  if (failures <= 0) return base
  return Math.min(max, base * 2 ** Math.min(failures - 1, 30))
}

/**
 * Which known peers to dial (pure): not us, not connected, not backing off,
 * with an address; most tagged first, then the most addresses. At most `limit`.
 */
export function selectDialCandidates(
  peers: Peer[],
  options: {
    self: PeerId
    isConnected: (peer: PeerId) => boolean
    backoff: ReadonlyMap<string, Backoff>
    busy: ReadonlySet<string>
    now: number
    limit: number
  },
): Peer[] {
  if (options.limit <= 0) return []
  const eligible = peers.filter((peer) => {
    const key = peer.id.toString()
    if (peer.id.equals(options.self) || peer.addresses.length === 0) return false
    if (options.busy.has(key) || options.isConnected(peer.id)) return false
    const backoff = options.backoff.get(key)
    return backoff == null || backoff.until <= options.now
  })
  const value = (peer: Peer): number => {
    let total = 0
    for (const tag of peer.tags.values()) total += tag.value
    return total
  }
  eligible.sort((a, b) => value(b) - value(a) || b.addresses.length - a.addresses.length)
  return eligible.slice(0, options.limit)
}

export class AutoDialer {
  private readonly log: Logger
  private readonly backoff = new Map<string, Backoff>()
  private readonly dialing = new Set<string>()
  private timer?: ReturnType<typeof setTimeout>
  private shutdown = new AbortController()
  private running = false
  private started = false

  constructor(
    private readonly components: AutoDialerComponents,
    private readonly hooks: AutoDialerHooks,
    private readonly config: AutoDialerConfig = resolveAutoDialerConfig(),
  ) {
    this.log = components.logger.forComponent('weft:auto-dialer')
    this.onDiscovery = this.onDiscovery.bind(this)
    this.onDisconnect = this.onDisconnect.bind(this)
  }

  getMinConnections(): number {
    return this.config.minConnections
  }

  start(): void {
    if (this.started || this.config.minConnections === 0) return
    this.started = true
    this.shutdown = new AbortController()
    this.components.events.addEventListener('peer:discovery', this.onDiscovery)
    this.components.events.addEventListener('peer:disconnect', this.onDisconnect)
    this.schedule(0)
  }

  stop(): void {
    if (!this.started) return
    this.started = false
    this.components.events.removeEventListener('peer:discovery', this.onDiscovery)
    this.components.events.removeEventListener('peer:disconnect', this.onDisconnect)
    clearTimeout(this.timer)
    this.timer = undefined
    this.shutdown.abort(new Error('the auto-dialer stopped'))
    this.dialing.clear()
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.run().finally(() => {
        if (this.started && this.timer == null) this.schedule(this.config.interval)
      })
    }, ms)
  }

  private freeSlots(): number {
    const wanted = this.config.minConnections - this.hooks.connectionCount() - this.dialing.size
    return Math.min(wanted, this.config.concurrency - this.dialing.size)
  }

  /** Dials known peers while below the low watermark. */
  async run(): Promise<void> {
    if (!this.started || this.running || this.freeSlots() <= 0) return
    this.running = true
    try {
      const peers = await this.components.peerStore.all({ signal: this.shutdown.signal })
      const candidates = selectDialCandidates(peers, {
        self: this.components.peerId,
        isConnected: (peer) => this.hooks.isConnected(peer),
        backoff: this.backoff,
        busy: this.dialing,
        now: Date.now(),
        limit: this.freeSlots(),
      })
      for (const peer of candidates) this.dial(peer.id)
    } catch (err) {
      if (this.started) this.log.error('auto-dial run failed: %s', (err as Error).message)
    } finally {
      this.running = false
    }
  }

  private onDiscovery(evt: CustomEvent<PeerInfo>): void {
    const { id, multiaddrs } = evt.detail
    if (multiaddrs.length === 0 || this.hooks.isConnected(id) || this.freeSlots() <= 0) return
    const backoff = this.backoff.get(id.toString())
    if (backoff != null && backoff.until > Date.now()) return
    this.dial(id)
  }

  private onDisconnect(evt: CustomEvent<PeerId>): void {
    this.setBackoff(evt.detail.toString(), 0)
    // below the watermark again: look for someone else soon
    if (this.started && this.freeSlots() > 0 && this.timer != null) this.schedule(1000)
  }

  private dial(peer: PeerId): void {
    const key = peer.toString()
    if (this.dialing.has(key)) return
    this.dialing.add(key)
    this.log('dialing %p to reach %d connections', peer, this.config.minConnections)
    this.hooks
      .dial(peer, this.shutdown.signal)
      .then(
        () => this.backoff.delete(key),
        (err: Error) => {
          const failures = (this.backoff.get(key)?.failures ?? 0) + 1
          this.log('auto-dial of %p failed (%d in a row): %s', peer, failures, err.message)
          this.setBackoff(key, failures)
        },
      )
      .finally(() => this.dialing.delete(key))
  }

  private setBackoff(key: string, failures: number): void {
    this.backoff.delete(key)
    this.backoff.set(key, {
      failures,
      until: Date.now() + backoffDelay(failures, this.config.retryDelay, this.config.maxRetryDelay),
    })
    if (this.backoff.size > MAX_BACKOFF_ENTRIES) {
      const oldest = this.backoff.keys().next().value
      if (oldest != null) this.backoff.delete(oldest)
    }
  }
}
