/**
 * The peer store (@libp2p/interface `PeerStore`): addresses (each with a ttl,
 * refreshed when written again), certified peer records, protocols,
 * metadata, tags and public keys of known peers, behind `PeerStoreBackend`:
 * in memory by default, in the host's interface-datastore `Datastore` when
 * it has one, in a LevelDB at `path` (survives restarts). Either way at most
 * `maxPeers` (10 000) peers: the least recently used one that is neither us,
 * connected nor tagged goes first. Every change dispatches
 * `peer:update` (or `self:peer:update` for our own record) on the host's
 * events; writes to one peer are serialised so concurrent merges never lose
 * an update.
 */
import {
  type AbortOptions,
  type ComponentLogger,
  type ConnectionGater,
  type ConsumePeerRecordOptions,
  InvalidParametersError,
  type Libp2pEvents,
  type Logger,
  NotFoundError,
  type Peer,
  type PeerData,
  type PeerId,
  type PeerInfo,
  type PeerQuery,
  type PeerStore as PeerStoreInterface,
  type TypedEventTarget,
} from '@libp2p/interface'
import { peerIdFromPublicKey } from '@weft/peer-id'
import { PeerRecord, RecordEnvelope } from '@weft/record'
import { throwIfAborted } from '@weft/utils'
import type { Datastore } from 'interface-datastore'
import { MemoryPeerStoreBackend, type PeerStoreBackend } from './backend.js'
import { DatastoreBackend } from './datastore-backend.js'
import { LazyLevelDatastore } from './level-datastore.js'
import {
  DEFAULT_PEER_RECORD_LIMITS,
  emptyPeer,
  type PeerRecordLimits,
  type StoredPeer,
  samePeer,
  toPeer,
  type UpdateMode,
  updatePeer,
} from './peer-record-data.js'

export interface PeerStoreComponents {
  peerId: PeerId
  logger: ComponentLogger
  events: TypedEventTarget<Libp2pEvents>
  connectionGater?: ConnectionGater
  /** kept in when given with `query` (an interface-datastore `Datastore`) */
  datastore?: unknown
  /** read when a peer is evicted: connected peers go only as a last resort */
  connectionManager: { getConnectionsMap(): ReadonlyMap<string, unknown> }
}

export interface PeerStoreInit extends Partial<PeerRecordLimits> {
  /** peers kept (default 10 000); ignored when `backend` is given */
  maxPeers?: number
  /**
   * a directory: keep the peer store in a LevelDB there (`datastore-level`),
   * so it survives restarts; takes precedence over the host's `datastore`
   */
  path?: string
  /** where records live (default: `path`, else the host's datastore, else memory) */
  backend?: PeerStoreBackend
}

export class PeerStore implements PeerStoreInterface {
  private readonly backend: PeerStoreBackend
  private readonly limits: PeerRecordLimits
  private readonly log: Logger
  private readonly selfKey: string
  /** the tail of the write chain of each peer being written */
  private readonly writes = new Map<string, Promise<unknown>>()

  constructor(
    private readonly components: PeerStoreComponents,
    init: PeerStoreInit = {},
  ) {
    this.log = components.logger.forComponent('weft:peer-store')
    this.selfKey = components.peerId.toString()
    this.limits = { ...DEFAULT_PEER_RECORD_LIMITS, ...definedOnly(init) }
    const isProtected = (key: string): boolean =>
      this.components.connectionManager.getConnectionsMap().has(key)
    const datastore = components.datastore as Datastore | undefined
    if (init.backend != null) {
      this.backend = init.backend
    } else if (init.path != null || typeof datastore?.query === 'function') {
      this.backend = new DatastoreBackend({
        datastore:
          init.path != null ? (new LazyLevelDatastore(init.path) as unknown as Datastore) : datastore!,
        owned: init.path != null,
        maxPeers: init.maxPeers,
        pinned: [this.selfKey],
        isProtected,
        limits: this.limits,
        log: this.log,
      })
    } else {
      this.backend = new MemoryPeerStoreBackend({
        maxPeers: init.maxPeers,
        pinned: [this.selfKey],
        isProtected,
      })
    }
  }

  /** Opens the backend (a LevelDB the peer store was given a `path` for). */
  async start(): Promise<void> {
    await this.backend.open?.()
  }

  /** Waits for writes in flight, then closes the backend. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.writes.values()])
    await this.backend.close?.()
  }

  async get(peerId: PeerId, options?: AbortOptions): Promise<Peer> {
    throwIfAborted(options?.signal)
    const record = await this.backend.get(peerId.toString(), options)
    if (record == null) {
      // our own record always exists, even before anything was written to it
      if (peerId.equals(this.components.peerId)) return toPeer(emptyPeer(this.components.peerId))
      throw new NotFoundError(`peer ${peerId.toString()} is not in the peer store`)
    }
    return toPeer(record)
  }

  async has(peerId: PeerId, options?: AbortOptions): Promise<boolean> {
    throwIfAborted(options?.signal)
    return this.backend.has(peerId.toString(), options)
  }

  async getInfo(peerId: PeerId, options?: AbortOptions): Promise<PeerInfo> {
    const peer = await this.get(peerId, options)
    return { id: peer.id, multiaddrs: peer.addresses.map((address) => address.multiaddr) }
  }

  async all(query?: PeerQuery): Promise<Peer[]> {
    throwIfAborted(query?.signal)
    const now = Date.now()
    let peers: Peer[] = []
    for await (const record of this.backend.all(query)) {
      const peer = toPeer(record, now)
      if (query?.filters?.some((filter) => !filter(peer)) === true) continue
      peers.push(peer)
    }
    const orders = query?.orders ?? []
    if (orders.length > 0) {
      peers.sort((a, b) => {
        for (const order of orders) {
          const result = order(a, b)
          if (result !== 0) return result
        }
        return 0
      })
    }
    const offset = query?.offset ?? 0
    if (offset > 0 || query?.limit != null) {
      peers = peers.slice(offset, query?.limit == null ? undefined : offset + query.limit)
    }
    return peers
  }

  async forEach(fn: (peer: Peer) => void, query?: PeerQuery): Promise<void> {
    for (const peer of await this.all(query)) fn(peer)
  }

  async delete(peerId: PeerId, options?: AbortOptions): Promise<void> {
    if (peerId.equals(this.components.peerId)) {
      throw new InvalidParametersError('the peer store keeps our own record; it cannot be deleted')
    }
    const key = peerId.toString()
    await this.serialise(key, () => this.backend.delete(key, options))
  }

  async save(id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> {
    return this.update(id, data, 'save', options)
  }

  async patch(id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> {
    return this.update(id, data, 'patch', options)
  }

  async merge(id: PeerId, data: PeerData, options?: AbortOptions): Promise<Peer> {
    return this.update(id, data, 'merge', options)
  }

  /**
   * Opens a signed peer record (RFC 0003), and when it is newer than the one
   * we hold replaces the peer's addresses with its (certified) addresses.
   * Returns false for a stale record or one signed for another peer.
   */
  async consumePeerRecord(buf: Uint8Array, options?: ConsumePeerRecordOptions): Promise<boolean> {
    throwIfAborted(options?.signal)
    const envelope = await RecordEnvelope.openAndCertify(buf, PeerRecord.DOMAIN)
    const record = PeerRecord.createFromProtobuf(envelope.payload)
    const signer = peerIdFromPublicKey(envelope.publicKey)
    if (!signer.equals(record.peerId)) {
      this.log('peer record for %s was signed by %s', record.peerId.toString(), signer.toString())
      return false
    }
    if (options?.expectedPeer != null && !options.expectedPeer.equals(signer)) {
      this.log('peer record for %s, expected %s', signer.toString(), options.expectedPeer.toString())
      return false
    }
    const key = signer.toString()
    return this.serialise(key, async () => {
      const existing = await this.backend.get(key, options)
      if (existing?.peerRecordEnvelope != null) {
        try {
          const stored = PeerRecord.createFromProtobuf(
            (await RecordEnvelope.openAndCertify(existing.peerRecordEnvelope, PeerRecord.DOMAIN)).payload,
          )
          if (stored.seqNumber >= record.seqNumber) return false
        } catch (err) {
          this.log('stored peer record of %s is unreadable, replacing it: %s', key, (err as Error).message)
        }
      }
      const addresses = await this.filterAddresses(
        signer,
        record.multiaddrs.map((multiaddr) => ({ multiaddr, isCertified: true })),
      )
      await this.write(
        existing ?? emptyPeer(signer),
        { addresses, peerRecordEnvelope: buf },
        'patch',
        options,
      )
      return true
    })
  }

  private async update(id: PeerId, data: PeerData, mode: UpdateMode, options?: AbortOptions): Promise<Peer> {
    throwIfAborted(options?.signal)
    if (id == null || typeof id.toString !== 'function')
      throw new InvalidParametersError('a PeerId is required')
    const key = id.toString()
    return this.serialise(key, async () => {
      const existing = (await this.backend.get(key, options)) ?? emptyPeer(id)
      const filtered = await this.filterData(id, data)
      return this.write(existing, filtered, mode, options)
    })
  }

  private async write(
    existing: StoredPeer,
    data: PeerData,
    mode: UpdateMode,
    options?: AbortOptions,
  ): Promise<Peer> {
    let base = existing
    if (data.publicKey != null) base = { ...existing, id: this.withPublicKey(existing.id, data) }
    const key = existing.id.toString()
    // our own addresses are ours to know: they never expire
    const limits =
      key === this.selfKey ? { ...this.limits, addressTtl: Number.POSITIVE_INFINITY } : this.limits
    const next = updatePeer(base, data, mode, limits)
    const known = await this.backend.has(key, options)
    if (known && base === existing && samePeer(existing, next)) return toPeer(next)
    await this.backend.put(key, next, options)
    const peer = toPeer(next)
    const previous = known ? toPeer(existing) : undefined
    if (key === this.selfKey) {
      this.components.events.safeDispatchEvent('self:peer:update', { detail: { peer, previous } })
    } else {
      this.components.events.safeDispatchEvent('peer:update', { detail: { peer, previous } })
    }
    return peer
  }

  /** A peer id that carries `data.publicKey` (RSA ids do not embed their key). */
  private withPublicKey(id: PeerId, data: PeerData): PeerId {
    const key = data.publicKey
    if (key == null) return id
    if (id.publicKey != null) {
      if (!id.publicKey.equals(key)) {
        throw new InvalidParametersError(`the public key given does not belong to ${id.toString()}`)
      }
      return id
    }
    const withKey = peerIdFromPublicKey(key)
    if (!withKey.equals(id)) {
      throw new InvalidParametersError(`public key belongs to ${withKey.toString()}, not ${id.toString()}`)
    }
    return withKey
  }

  private async filterData(id: PeerId, data: PeerData): Promise<PeerData> {
    const gater = this.components.connectionGater
    if (gater?.filterMultiaddrForPeer == null || (data.addresses == null && data.multiaddrs == null))
      return data
    const addresses = [
      ...(data.multiaddrs ?? []).map((multiaddr) => ({ multiaddr, isCertified: false })),
      ...(data.addresses ?? []),
    ]
    return { ...data, multiaddrs: undefined, addresses: await this.filterAddresses(id, addresses) }
  }

  private async filterAddresses<A extends { multiaddr: PeerInfo['multiaddrs'][number] }>(
    id: PeerId,
    addresses: A[],
  ): Promise<A[]> {
    const filter = this.components.connectionGater?.filterMultiaddrForPeer
    if (filter == null) return addresses
    const allowed: A[] = []
    for (const address of addresses) {
      if (await filter.call(this.components.connectionGater, id, address.multiaddr)) allowed.push(address)
    }
    return allowed
  }

  /** Runs `fn` after every earlier write to the same peer has finished. */
  private async serialise<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.writes.get(key) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.catch(() => {})
    this.writes.set(key, tail)
    try {
      return await run
    } finally {
      // the map only holds peers with a write in flight
      if (this.writes.get(key) === tail) this.writes.delete(key)
    }
  }
}

function definedOnly(init: PeerStoreInit): Partial<PeerRecordLimits> {
  const out: Partial<PeerRecordLimits> = {}
  for (const name of Object.keys(DEFAULT_PEER_RECORD_LIMITS) as Array<keyof PeerRecordLimits>) {
    const value = init[name]
    if (value != null) out[name] = value
  }
  return out
}
