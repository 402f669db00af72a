/**
 * The Kademlia routing table (libp2p/specs kad-dht/README.md, "Kademlia
 * routing table"): one k-bucket per common-prefix length with our own id
 * (0..256), each holding at most `k` peers ordered from least to most
 * recently seen. Pure data structure: no timers, no I/O. When a bucket is
 * full the newcomer is refused and the bucket's least recently seen peer is
 * reported, so the caller can check it and `remove` it if it has failed
 * (ping-or-evict, kept simple).
 */
import type { PeerId } from '@libp2p/interface'
import { commonPrefixLength, compareCloseness, KAD_ID_LENGTH, kadId } from './distance.js'

export interface RoutingTableEntry {
  peerId: PeerId
  /** SHA-256 of the peer id's multihash */
  kadId: Uint8Array
  /** ms timestamp of the last time the peer was added or seen */
  lastSeen: number
}

export type AddResult =
  | { added: true; updated: boolean }
  /** the bucket is full; `leastRecentlySeen` is the eviction candidate */
  | { added: false; leastRecentlySeen: RoutingTableEntry }

export interface RoutingTableInit {
  /** bucket size (default 20) */
  k?: number
  /** clock, for tests (default Date.now) */
  now?: () => number
}

const BUCKET_COUNT = KAD_ID_LENGTH * 8 + 1

export class RoutingTable {
  readonly k: number
  readonly selfKadId: Uint8Array
  private readonly buckets: RoutingTableEntry[][]
  private readonly index = new Map<string, RoutingTableEntry>()
  private readonly refreshed: number[]
  private readonly now: () => number

  constructor(self: PeerId, init: RoutingTableInit = {}) {
    this.k = init.k ?? 20
    if (!Number.isInteger(this.k) || this.k < 1)
      throw new RangeError(`k must be a positive integer, got ${this.k}`)
    this.now = init.now ?? Date.now
    this.selfKadId = kadId(self.toMultihash().bytes)
    this.buckets = Array.from({ length: BUCKET_COUNT }, () => [])
    this.refreshed = new Array<number>(BUCKET_COUNT).fill(this.now())
  }

  /** Number of peers in the table; never more than `k` × 257. */
  get size(): number {
    return this.index.size
  }

  has(peerId: PeerId): boolean {
    return this.index.has(peerId.toString())
  }

  get(peerId: PeerId): RoutingTableEntry | undefined {
    return this.index.get(peerId.toString())
  }

  /** The bucket index a key-space point falls in: its common-prefix length with us. */
  bucketIndex(point: Uint8Array): number {
    return commonPrefixLength(this.selfKadId, point)
  }

  /** Adds `peerId` or marks it seen; refuses it when its bucket is full. Never adds ourselves. */
  add(peerId: PeerId): AddResult {
    const key = peerId.toString()
    const existing = this.index.get(key)
    const now = this.now()
    if (existing != null) {
      const bucket = this.buckets[this.bucketIndex(existing.kadId)]!
      bucket.splice(bucket.indexOf(existing), 1)
      existing.lastSeen = now
      bucket.push(existing)
      return { added: true, updated: true }
    }
    const point = kadId(peerId.toMultihash().bytes)
    const index = this.bucketIndex(point)
    if (index === KAD_ID_LENGTH * 8) return { added: true, updated: true } // ourselves
    const bucket = this.buckets[index]!
    if (bucket.length >= this.k) return { added: false, leastRecentlySeen: bucket[0]! }
    const entry: RoutingTableEntry = { peerId, kadId: point, lastSeen: now }
    bucket.push(entry)
    this.index.set(key, entry)
    return { added: true, updated: false }
  }

  /** Removes `peerId`; returns whether it was there. */
  remove(peerId: PeerId): boolean {
    const key = peerId.toString()
    const entry = this.index.get(key)
    if (entry == null) return false
    const bucket = this.buckets[this.bucketIndex(entry.kadId)]!
    bucket.splice(bucket.indexOf(entry), 1)
    this.index.delete(key)
    return true
  }

  /** Replaces `old` (which failed) with `peerId`; returns what `add` returns. */
  replace(old: PeerId, peerId: PeerId): AddResult {
    this.remove(old)
    return this.add(peerId)
  }

  /** Up to `count` peers closest to the key-space point `target`, closest first. */
  closest(target: Uint8Array, count = this.k): RoutingTableEntry[] {
    if (count <= 0 || this.index.size === 0) return []
    // the bucket of the target's prefix holds the closest peers, then the
    // buckets of longer prefixes, then shorter ones in decreasing order: a
    // walk outwards from there visits candidates roughly in distance order
    const start = Math.min(this.bucketIndex(target), KAD_ID_LENGTH * 8 - 1)
    const picked: RoutingTableEntry[] = []
    const take = (index: number): void => {
      for (const entry of this.buckets[index]!) picked.push(entry)
    }
    take(start)
    for (let i = start + 1; i < KAD_ID_LENGTH * 8; i++) take(i)
    for (let i = start - 1; i >= 0 && picked.length < count; i--) take(i)
    picked.sort((a, b) => compareCloseness(target, a.kadId, b.kadId))
    return picked.length > count ? picked.slice(0, count) : picked
  }

  /** Every peer in the table. */
  *peers(): IterableIterator<RoutingTableEntry> {
    yield* this.index.values()
  }

  /** Peers of bucket `index`, least recently seen first. */
  bucket(index: number): readonly RoutingTableEntry[] {
    return this.buckets[index] ?? []
  }

  /** Records that bucket `index` was just refreshed by a lookup. */
  markRefreshed(index: number): void {
    if (index >= 0 && index < BUCKET_COUNT) this.refreshed[index] = this.now()
  }

  /**
   * Bucket indexes up to `maxIndex` not refreshed for `interval` ms: the
   * buckets a refresh should look up a random key in. Buckets past the
   * highest non-empty one are left out (they would be empty anyway).
   */
  staleBuckets(interval: number, maxIndex: number): number[] {
    let highest = -1
    for (let i = 0; i < KAD_ID_LENGTH * 8; i++) if (this.buckets[i]!.length > 0) highest = i
    const limit = Math.min(maxIndex, highest + 1)
    const now = this.now()
    const out: number[] = []
    for (let i = 0; i <= limit; i++) if (now - this.refreshed[i]! >= interval) out.push(i)
    return out
  }
}
