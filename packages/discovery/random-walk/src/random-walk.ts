/**
 * The random-walk service: while the host runs, a lookup of a random key
 * through the host's peer routing every `interval`, each peer met merged
 * into the peer store and announced as a `'peer'` discovery event. One walk
 * at a time, one timer; a walk that finds nobody (an empty routing table)
 * or fails makes the next one wait longer, doubling up to `maxRetryDelay`.
 * `stop()` clears the timer and aborts the walk under way.
 */
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  Logger,
  PeerDiscovery,
  PeerDiscoveryEvents,
  PeerId,
  PeerInfo,
  PeerStore,
  Startable,
} from '@libp2p/interface'
import { peerDiscoverySymbol, TypedEventEmitter } from '@libp2p/interface'
import { anySignal } from '@weft/utils'
import { nextDelay, type RandomWalkConfig, type RandomWalkInit, resolveConfig } from './config.js'
import { NoPeerRoutingError, RandomWalkStoppedError } from './errors.js'
import { type WalkRouting, walk } from './walk.js'

export interface RandomWalkComponents {
  peerId: PeerId
  peerStore: Pick<PeerStore, 'merge'>
  connectionManager: { getConnections(peerId?: PeerId): Connection[] }
  logger: ComponentLogger
  /**
   * The host's peer routing (a DHT's, such as @weft/kad-dht's), read when
   * the service starts; js-libp2p's components carry it under this name.
   */
  peerRouting?: WalkRouting
}

export class RandomWalk extends TypedEventEmitter<PeerDiscoveryEvents> implements PeerDiscovery, Startable {
  readonly [Symbol.toStringTag] = '@weft/random-walk'
  readonly [peerDiscoverySymbol] = this
  private readonly log: Logger
  private readonly config: RandomWalkConfig
  private routing?: WalkRouting
  private timer?: ReturnType<typeof setTimeout>
  private running?: Promise<PeerInfo[]>
  private shutdown = new AbortController()
  private started = false
  /** walks in a row that found nobody or failed: the backoff's exponent */
  private failures = 0

  constructor(
    private readonly components: RandomWalkComponents,
    init: RandomWalkInit = {},
  ) {
    super()
    this.config = resolveConfig(init)
    this.log = components.logger.forComponent('weft:random-walk')
  }

  isStarted(): boolean {
    return this.started
  }

  start(): void {
    if (this.started) return
    const routing = this.components.peerRouting
    if (routing == null || (routing.getClosestPeers == null && routing.findPeer == null)) {
      throw new NoPeerRoutingError(
        'random walk needs the host peer routing (components.peerRouting with getClosestPeers or findPeer), and there is none',
      )
    }
    this.routing = routing
    this.started = true
    this.failures = 0
    this.shutdown = new AbortController()
    this.schedule(this.config.firstDelay)
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.timer)
    this.timer = undefined
    this.shutdown.abort(new RandomWalkStoppedError())
    // the walk settles at once: every wait in it races the aborted signal
    await this.running?.catch(() => {})
  }

  /**
   * Walks once now (or joins the walk under way) and resolves with the peers
   * it met, each already merged and announced. Rejects with the router's
   * error, a `TimeoutError` after `lookupTimeout`, or `RandomWalkStoppedError`.
   */
  async walk(options: AbortOptions = {}): Promise<PeerInfo[]> {
    if (!this.started) throw new RandomWalkStoppedError('the random walk is not started')
    this.running ??= this.walkOnce(options).finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private schedule(delay: number): void {
    if (!this.started) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.tick()
    }, delay)
    this.timer.unref?.()
  }

  private async tick(): Promise<void> {
    const connections = this.components.connectionManager.getConnections().length
    if (connections >= this.config.pauseAtConnections) {
      this.log.trace(
        'walk skipped: %d connections, pausing at %d',
        connections,
        this.config.pauseAtConnections,
      )
      this.schedule(this.config.interval)
      return
    }
    await this.walk().catch(() => {}) // logged in walkOnce
    this.schedule(nextDelay(this.config, this.failures))
  }

  private async walkOnce(options: AbortOptions): Promise<PeerInfo[]> {
    const signal = anySignal([this.shutdown.signal, options.signal], this.config.lookupTimeout)
    const start = Date.now()
    try {
      const { peers, method } = await walk(this.routing!, {
        self: this.components.peerId,
        maxPeers: this.config.maxPeersPerWalk,
        signal,
      })
      for (const peer of peers) {
        if (!this.started) break
        await this.announce(peer)
      }
      // a DHT with no peers returns none: wait longer before asking again
      this.failures = peers.length === 0 && method === 'getClosestPeers' ? this.failures + 1 : 0
      this.log('walk by %s: %d peers in %d ms', method, peers.length, Date.now() - start)
      return peers
    } catch (err) {
      if (!this.shutdown.signal.aborted) {
        this.failures++
        this.log('walk failed after %d ms (%d in a row): %e', Date.now() - start, this.failures, err)
      }
      throw err
    } finally {
      signal.clear()
    }
  }

  /** Merges `peer` into the peer store, then tells the host (which merges again and emits `peer:discovery`). */
  private async announce(peer: PeerInfo): Promise<void> {
    try {
      await this.components.peerStore.merge(
        peer.id,
        { multiaddrs: peer.multiaddrs },
        { signal: this.shutdown.signal },
      )
    } catch (err) {
      this.log.error('could not record peer %p: %s', peer.id, (err as Error).message)
      return
    }
    if (this.started) this.safeDispatchEvent('peer', { detail: peer })
  }
}
