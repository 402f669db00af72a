/**
 * Where the peer store keeps its records. The interface is small and async so
 * a datastore-backed implementation can replace the in-memory one without
 * touching the peer store's logic.
 */
import type { AbortOptions } from '@libp2p/interface'
import type { StoredPeer } from './peer-record-data.js'

export interface PeerStoreBackend {
  get(key: string, options?: AbortOptions): Promise<StoredPeer | undefined>
  put(key: string, peer: StoredPeer, options?: AbortOptions): Promise<void>
  delete(key: string, options?: AbortOptions): Promise<void>
  has(key: string, options?: AbortOptions): Promise<boolean>
  /** every record, in no particular order */
  all(options?: AbortOptions): AsyncIterable<StoredPeer>
}

export interface MemoryBackendInit {
  /** records kept; the least recently used one is dropped beyond it (default 10 000) */
  maxPeers?: number
  /** keys never dropped by the LRU bound (our own peer id) */
  pinned?: Iterable<string>
}

/** An in-memory LRU map of peer records. */
export class MemoryPeerStoreBackend implements PeerStoreBackend {
  private readonly records = new Map<string, StoredPeer>()
  private readonly maxPeers: number
  private readonly pinned: Set<string>

  constructor(init: MemoryBackendInit = {}) {
    this.maxPeers = init.maxPeers ?? 10_000
    if (!(this.maxPeers >= 1)) throw new RangeError(`maxPeers must be at least 1, got ${this.maxPeers}`)
    this.pinned = new Set(init.pinned ?? [])
  }

  get size(): number {
    return this.records.size
  }

  async get(key: string): Promise<StoredPeer | undefined> {
    const record = this.records.get(key)
    if (record != null) {
      // refresh its place in the LRU order
      this.records.delete(key)
      this.records.set(key, record)
    }
    return record
  }

  async put(key: string, peer: StoredPeer): Promise<void> {
    this.records.delete(key)
    this.records.set(key, peer)
    if (this.records.size > this.maxPeers) this.evict()
  }

  async delete(key: string): Promise<void> {
    this.records.delete(key)
  }

  async has(key: string): Promise<boolean> {
    return this.records.has(key)
  }

  async *all(): AsyncIterable<StoredPeer> {
    yield* [...this.records.values()]
  }

  private evict(): void {
    for (const key of this.records.keys()) {
      if (this.records.size <= this.maxPeers) return
      if (!this.pinned.has(key)) this.records.delete(key)
    }
  }
}
