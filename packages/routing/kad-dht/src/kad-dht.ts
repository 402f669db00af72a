/**
 * The DHT service shell: its lifecycle, routing table upkeep (topology,
 * identify, eviction of peers that stopped answering), and the lookups
 * behind `PeerRouting`. Its parts (stores, network, the server side, content
 * routing in content.ts, refresh) are built and wired in parts.ts.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type Connection,
  type ContentRouting,
  contentRoutingSymbol,
  type DialTarget,
  type IdentifyResult,
  type Libp2pEvents,
  type Logger,
  type PeerId,
  type PeerInfo,
  type PeerRouting,
  type PeerStore,
  peerRoutingSymbol,
  type RoutingOptions,
  type Startable,
  type StreamHandler,
  type StreamHandlerOptions,
  serviceCapabilities,
  serviceDependencies,
  type Topology,
  type TypedEventTarget,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, equalBytes, type ProtocolHandler } from '@weft/utils'
import type { Content } from './content.js'
import { kadId } from './distance.js'
import { DHTStoppedError, NotFoundError } from './errors.js'
import { keyLabel } from './key-label.js'
import { Message } from './message.pb.js'
import { type Network, wireBytes } from './network.js'
import { type KadDHTConfig, type KadDHTInit, resolveConfig } from './options.js'
import { createParts } from './parts.js'
import {
  fromWire,
  type LookupOptions,
  type LookupResult,
  type LookupStats,
  type PeerCandidate,
  runLookup,
} from './query-runner.js'
import type { Refresher } from './refresher.js'
import type { RoutingTable } from './routing-table.js'

export interface KadDHTComponents {
  peerId: PeerId
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
    register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
    unregister(id: string): void
  }
  connectionManager: {
    openConnection(peer: DialTarget, options?: AbortOptions): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  peerStore: Pick<PeerStore, 'get' | 'merge'>
  addressManager: { getAddresses(): Multiaddr[] }
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

/** What a peer lookup found, with how it went. */
export interface PeerLookupResult {
  peer?: PeerInfo
  stats: LookupStats
}

/** addresses told to others per peer */
const MAX_ADDRS = 16
/** buckets checked for a failed peer at once */
const MAX_EVICTION_CHECKS = 16

export class KadDHT implements Startable, PeerRouting {
  readonly [Symbol.toStringTag] = '@weft/kad-dht'
  readonly [serviceCapabilities]: string[] = [
    '@libp2p/content-routing',
    '@libp2p/peer-routing',
    '@libp2p/kad-dht',
  ]
  readonly protocol: string
  /** read-only view for diagnostics and tests (size, membership); the DHT alone changes it */
  readonly routingTable: RoutingTable
  private readonly network: Network
  private readonly config: KadDHTConfig
  private readonly log: Logger
  private readonly handler: ProtocolHandler
  private readonly content: Content
  private readonly refresher: Refresher
  private clientMode: boolean
  private started = false
  private topologyId?: string
  private readonly evictionChecks = new Set<number>()
  /** addresses of routing table peers, so replies need no peer store lookup */
  private readonly addressBook = new Map<string, Multiaddr[]>()

  constructor(
    private readonly components: KadDHTComponents,
    init: KadDHTInit = {},
  ) {
    this.config = resolveConfig(init)
    this.protocol = this.config.protocol
    this.clientMode = this.config.clientMode
    this.log = components.logger.forComponent('weft:kad-dht')
    // the parts get what they use, not the whole DHT (parts.ts)
    const parts = createParts(components, init, this.config, this.log, {
      lookup: async (key, options) => this.lookup(key, options),
      addressesOf: async (peerId, options) => this.addressesOf(peerId, options),
      rememberAddresses: (peerId, multiaddrs) => this.rememberAddresses(peerId, multiaddrs),
      operationSignal: (options) => this.operationSignal(options),
      stopSignal: () => this.shutdown.signal,
      isStarted: () => this.started,
    })
    this.routingTable = parts.routingTable
    this.network = parts.network
    this.handler = parts.handler
    this.content = parts.content
    this.refresher = parts.refresher
    this.onIdentify = this.onIdentify.bind(this)
  }

  /** The routing table fills from identify (a peer's protocols and listen addresses): without it, it stays empty. */
  get [serviceDependencies](): string[] {
    return ['@libp2p/identify']
  }

  get [peerRoutingSymbol](): PeerRouting {
    return this
  }

  get [contentRoutingSymbol](): ContentRouting {
    return this.content
  }

  isStarted(): boolean {
    return this.started
  }

  getMode(): 'client' | 'server' {
    return this.clientMode ? 'client' : 'server'
  }

  /** Switches between answering requests (server) and only asking (client). */
  async setMode(mode: 'client' | 'server'): Promise<void> {
    this.clientMode = mode === 'client'
    if (!this.started) return
    if (this.clientMode) await this.handler.stop()
    else await this.handler.start()
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.shutdown = new AbortController()
    if (!this.clientMode) await this.handler.start()
    this.topologyId = await this.components.registrar.register(this.protocol, {
      onConnect: (peerId) => this.addPeer(peerId),
    })
    this.components.events.addEventListener('peer:identify', this.onIdentify)
    this.refresher.start()
    this.content.start()
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort(new DHTStoppedError())
    this.refresher.stop()
    this.content.stop()
    this.components.events.removeEventListener('peer:identify', this.onIdentify)
    if (this.topologyId != null) this.components.registrar.unregister(this.topologyId)
    this.topologyId = undefined
    await this.handler.stop()
  }

  /** Aborts when the service stops. */
  private shutdown = new AbortController()

  /** A signal for one operation: the caller's, the query timeout and our stop. */
  private operationSignal(options?: AbortOptions): ReturnType<typeof anySignal> {
    return anySignal([options?.signal, this.shutdown.signal], this.config.queryTimeout)
  }

  /**
   * Adds a DHT server to the routing table (and its addresses to the peer
   * store). When its bucket is full, the least recently seen peer is checked
   * and replaced if it no longer answers.
   */
  addPeer(peerId: PeerId, multiaddrs: Multiaddr[] = []): void {
    if (!this.started || peerId.equals(this.components.peerId)) return
    const result = this.routingTable.add(peerId)
    if (result.added) {
      if (multiaddrs.length > 0) this.cacheAddresses(peerId, multiaddrs)
      if (!result.updated) {
        this.log.trace('added %p to the routing table (%d peers)', peerId, this.routingTable.size)
        this.rememberAddresses(peerId, multiaddrs)
        this.refresher.onPeerAdded(this.routingTable.size)
      }
      return
    }
    const old = result.leastRecentlySeen
    const bucket = this.routingTable.bucketIndex(old.kadId)
    if (this.evictionChecks.has(bucket) || this.evictionChecks.size >= MAX_EVICTION_CHECKS) return
    if (this.components.connectionManager.getConnections(old.peerId).length > 0) {
      this.routingTable.add(old.peerId) // alive: it becomes the most recently seen
      return
    }
    this.evictionChecks.add(bucket)
    const signal = anySignal([this.shutdown.signal], this.config.requestTimeout)
    this.network
      .send(old.peerId, [], { type: Message.MessageType.PING }, { signal })
      .then(
        () => this.routingTable.add(old.peerId),
        () => {
          if (!this.started) return
          this.forget(old.peerId, 'it did not answer a ping')
          this.addPeer(peerId, multiaddrs)
        },
      )
      .finally(() => {
        signal.clear()
        this.evictionChecks.delete(bucket)
      })
  }

  private forget(peerId: PeerId, reason: string): void {
    if (this.routingTable.remove(peerId)) {
      this.log.trace(
        'removed %p from the routing table (%d peers): %s',
        peerId,
        this.routingTable.size,
        reason,
      )
    }
    this.addressBook.delete(peerId.toString())
  }

  private cacheAddresses(peerId: PeerId, multiaddrs: Multiaddr[]): void {
    // bounded by the routing table: only its peers are kept
    if (this.addressBook.size > this.routingTable.k * 257) this.addressBook.clear()
    this.addressBook.set(
      peerId.toString(),
      multiaddrs.slice(0, MAX_ADDRS).map((addr) => addr.decapsulateCode(421)),
    )
  }

  /** Hands addresses of a peer found on the network to the host's peer store. */
  private rememberAddresses(peerId: PeerId, multiaddrs: Multiaddr[]): void {
    if (peerId.equals(this.components.peerId) || multiaddrs.length === 0) return
    this.components.peerStore.merge(peerId, { multiaddrs: multiaddrs.slice(0, MAX_ADDRS) }).catch((err) => {
      this.log('could not merge addresses of %p: %e', peerId, err)
    })
  }

  /** Addresses to tell others for `peerId`, without `/p2p`; at most 16. */
  private async addressesOf(peerId: PeerId, options?: AbortOptions): Promise<Multiaddr[]> {
    let addrs: Multiaddr[]
    if (peerId.equals(this.components.peerId)) {
      addrs = this.components.addressManager.getAddresses()
    } else {
      const cached = this.addressBook.get(peerId.toString())
      if (cached != null) return cached
      try {
        addrs = (await this.components.peerStore.get(peerId, options)).addresses.map(
          (address) => address.multiaddr,
        )
      } catch {
        return []
      }
      if (addrs.length > 0 && this.routingTable.has(peerId)) this.cacheAddresses(peerId, addrs)
    }
    return addrs.slice(0, MAX_ADDRS).map((addr) => addr.decapsulateCode(421))
  }

  /** Seeds for a lookup of `key`: the closest peers in our table. */
  private seeds(key: Uint8Array): PeerCandidate[] {
    return this.routingTable
      .closest(kadId(key), this.config.kBucketSize)
      .map((entry) => ({ peerId: entry.peerId, multiaddrs: [] }))
  }

  /** An iterative lookup of `key` sending `request` (FIND_NODE by default); logs its start and end. */
  private async lookup(key: Uint8Array, options: LookupOptions = {}): Promise<LookupResult> {
    if (!this.started) throw new DHTStoppedError('the DHT is not started')
    const signal = this.operationSignal(options)
    const request = options.request ?? { type: Message.MessageType.FIND_NODE, key: wireBytes(key) }
    const label = this.log.enabled ? `${request.type} ${keyLabel(key)}` : ''
    const seeds = this.seeds(key)
    const start = Date.now()
    this.log('lookup %s: started from %d peers of the routing table', label, seeds.length)
    try {
      const result = await runLookup({
        key,
        self: this.components.peerId,
        seeds,
        k: this.config.kBucketSize,
        alpha: this.config.alpha,
        network: this.network,
        request,
        onReply: options.onReply,
        onSuccess: (peer) => this.addPeer(peer.peerId, peer.multiaddrs),
        onFailure: (peer, err) => {
          this.log.trace('lookup request to %p failed: %e', peer.peerId, err)
          // it leaves the routing table; its bucket refills from later lookups
          this.forget(peer.peerId, 'a request to it failed')
        },
        signal,
      })
      const { stats } = result
      this.log(
        'lookup %s: done in %d ms, %d peers queried (%d failed) in %d rounds, %d closest found',
        label,
        stats.duration,
        stats.rpcs,
        stats.failures,
        stats.rounds,
        result.closest.length,
      )
      return result
    } catch (err) {
      this.log('lookup %s: failed after %d ms: %e', label, Date.now() - start, err)
      throw err
    } finally {
      signal.clear()
    }
  }

  /** Looks `peerId` up on the network (never the local peer store) and says how it went. */
  async lookupPeer(peerId: PeerId, options: AbortOptions = {}): Promise<PeerLookupResult> {
    const key = peerId.toMultihash().bytes
    const target = peerId.toString()
    let found: PeerInfo | undefined
    const result = await this.lookup(key, {
      ...options,
      onReply: (peer, reply) => {
        if (peer.peerId.toString() === target && peer.multiaddrs.length > 0) {
          found = { id: peer.peerId, multiaddrs: peer.multiaddrs }
          return true
        }
        for (const wire of reply.closerPeers) {
          if (wire.addrs.length === 0 || wire.id == null || !equalBytes(wire.id, key)) continue
          const candidate = fromWire(wire)
          if (candidate != null && candidate.multiaddrs.length > 0) {
            found = { id: candidate.peerId, multiaddrs: candidate.multiaddrs }
            return true
          }
        }
        return undefined
      },
    })
    return { peer: found, stats: result.stats }
  }

  async findPeer(peerId: PeerId, options: RoutingOptions = {}): Promise<PeerInfo> {
    if (options.useCache !== false) {
      const multiaddrs = await this.addressesOf(peerId, options)
      if (multiaddrs.length > 0) return { id: peerId, multiaddrs }
    }
    const { peer } = await this.lookupPeer(peerId, options)
    if (peer == null) throw new NotFoundError(`no peer of the DHT knows ${peerId.toString()}`)
    return peer
  }

  async *getClosestPeers(key: Uint8Array, options: RoutingOptions = {}): AsyncIterable<PeerInfo> {
    const { closest } = await this.lookup(key, options)
    for (const peer of closest) {
      const multiaddrs =
        peer.multiaddrs.length > 0 ? peer.multiaddrs : await this.addressesOf(peer.peerId, options)
      yield { id: peer.peerId, multiaddrs }
    }
  }

  /** Stops re-putting the record this node put under `key`; copies on the network expire after `recordExpiry`. */
  cancelRepublish(key: Uint8Array): void {
    this.content.cancelRepublish(key)
  }

  /** Runs one refresh now: a lookup of our own id, then of a random key in each stale bucket. */
  async refreshRoutingTable(options: AbortOptions = {}): Promise<void> {
    await this.refresher.refresh(options)
  }

  private onIdentify(evt: CustomEvent<IdentifyResult>): void {
    const { peerId, protocols, listenAddrs } = evt.detail
    if (protocols.includes(this.protocol)) this.addPeer(peerId, listenAddrs)
    else this.forget(peerId, 'it does not serve the DHT protocol') // a client, or it turned client
  }
}
