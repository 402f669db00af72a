/**
 * Where the peer store keeps its records. The interface is small and async so
 * a datastore-backed implementation can replace the in-memory one without
 * touching the peer store's logic.
 */
import type { AbortOptions } from '@libp2p/interface'
import { checkInteger } from '@weft/utils'
import type { StoredPeer } from './peer-record-data.js'

export interface PeerStoreBackend {
  get(key: string, options?: AbortOptions): Promise<StoredPeer | undefined>
  put(key: string, peer: StoredPeer, options?: AbortOptions): Promise<void>
  delete(key: string, options?: AbortOptions): Promise<void>
  has(key: string, options?: AbortOptions): Promise<boolean>
  /** every record, in no particular order */
  all(options?: AbortOptions): AsyncIterable<StoredPeer>
  /** called when the host starts (a persistent backend opens its store) */
  open?(options?: AbortOptions): Promise<void>
  /** called when the host stops */
  close?(): Promise<void>
}

/** peer records a store keeps by default; the least recently used one goes beyond it */
export const DEFAULT_MAX_PEERS = 10_000

export interface MemoryBackendInit {
  /** records kept; the least recently used one is dropped beyond it (default 10 000) */
  maxPeers?: number
  /** keys never dropped by the LRU bound (our own peer id) */
  pinned?: Iterable<string>
  /** keys dropped only as a last resort while this returns true (connected peers) */
  isProtected?: (key: string) => boolean
}

/** An in-memory LRU map of peer records. */
export class MemoryPeerStoreBackend implements PeerStoreBackend {
  private readonly records = new Map<string, StoredPeer>()
  private readonly maxPeers: number
  private readonly pinned: Set<string>
  private readonly isProtected: (key: string) => boolean

  constructor(init: MemoryBackendInit = {}) {
    this.isProtected = init.isProtected ?? (() => false)
    this.maxPeers = checkInteger('maxPeers', init.maxPeers ?? DEFAULT_MAX_PEERS, 1)
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

  /**
   * Drops the least recently used records that are neither protected
   * (connected) nor tagged, then, only if it must, protected and tagged ones.
   */
  private evict(): void {
    const now = Date.now()
    for (const spare of [true, false]) {
      for (const [key, record] of this.records) {
        if (this.records.size <= this.maxPeers) return
        if (this.pinned.has(key)) continue
        if (spare && (this.isProtected(key) || hasLiveTag(record, now))) continue
        this.records.delete(key)
      }
    }
  }
}

/** Whether `peer` has a tag that has not expired at `now`. */
export function hasLiveTag(peer: StoredPeer, now: number): boolean {
  for (const tag of peer.tags.values()) if (tag.expires == null || tag.expires > now) return true
  return false
}
