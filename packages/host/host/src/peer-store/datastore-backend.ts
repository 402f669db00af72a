/**
 * A peer store backend kept in an interface-datastore `Datastore`: a
 * `MemoryDatastore`, or a `LevelDatastore` so the peer store survives
 * restarts. Each peer is one key, `/weft/peers/<peer id>`, holding the `Peer`
 * message of peer.proto.
 *
 * Bounded: an in-memory index of the stored keys (ordered by last write or
 * read) holds at most `maxPeers`; beyond it the backend deletes the least
 * recently used peer that is neither pinned (our own record), protected
 * (connected, as `isProtected` says) nor tagged, and only when every peer is
 * one of those the least recently used one that is not pinned. A record that
 * no longer decodes is deleted when met.
 */
import type { AbortOptions, Logger } from '@libp2p/interface'
import { peerIdFromString } from '@weft/peer-id'
import { checkInteger } from '@weft/utils'
import type { Datastore } from 'interface-datastore'
import { Key } from 'interface-datastore'
import { DEFAULT_MAX_PEERS, hasLiveTag, type PeerStoreBackend } from './backend.js'
import { decodePeer, encodePeer } from './peer-codec.js'
import { DEFAULT_PEER_RECORD_LIMITS, type PeerRecordLimits, type StoredPeer } from './peer-record-data.js'

export const PEER_KEY_PREFIX = '/weft/peers/'

export interface DatastoreBackendInit {
  /** used: get, put, delete, query (and open/close when `owned`) */
  datastore: Datastore
  /** peers kept (default 10 000) */
  maxPeers?: number
  /** keys never evicted (our own peer id) */
  pinned?: Iterable<string>
  /** keys evicted only as a last resort while this returns true (connected peers) */
  isProtected?: (key: string) => boolean
  limits?: PeerRecordLimits
  /** open the datastore on `open()` and close it on `close()` (for a store the host created) */
  owned?: boolean
  log?: Logger
}

interface IndexEntry {
  tagged: boolean
}

export class DatastoreBackend implements PeerStoreBackend {
  private readonly datastore: Datastore
  private readonly maxPeers: number
  private readonly pinned: Set<string>
  private readonly isProtected: (key: string) => boolean
  private readonly limits: PeerRecordLimits
  private readonly owned: boolean
  private readonly log?: Logger
  /** every stored key, least recently used first */
  private readonly index = new Map<string, IndexEntry>()
  private loading?: Promise<void>

  constructor(init: DatastoreBackendInit) {
    this.datastore = init.datastore
    this.maxPeers = checkInteger('maxPeers', init.maxPeers ?? DEFAULT_MAX_PEERS, 1)
    this.pinned = new Set(init.pinned ?? [])
    this.isProtected = init.isProtected ?? (() => false)
    this.limits = init.limits ?? DEFAULT_PEER_RECORD_LIMITS
    this.owned = init.owned ?? false
    this.log = init.log
  }

  get size(): number {
    return this.index.size
  }

  async open(options?: AbortOptions): Promise<void> {
    if (this.owned) await (this.datastore as { open?: () => Promise<void> }).open?.()
    this.loading = undefined
    this.index.clear()
    await this.ready(options)
  }

  async close(): Promise<void> {
    await this.loading?.catch(() => {})
    if (this.owned) await (this.datastore as { close?: () => Promise<void> }).close?.()
  }

  async get(key: string, options?: AbortOptions): Promise<StoredPeer | undefined> {
    await this.ready(options)
    const entry = this.index.get(key)
    if (entry == null) return undefined
    const peer = await this.read(key, options)
    if (peer != null && this.index.has(key)) {
      this.index.delete(key)
      this.index.set(key, entry)
    }
    return peer
  }

  async put(key: string, peer: StoredPeer, options?: AbortOptions): Promise<void> {
    await this.ready(options)
    const now = Date.now()
    await this.datastore.put(toKey(key), encodePeer(peer, now), options)
    this.index.delete(key)
    this.index.set(key, { tagged: hasLiveTag(peer, now) })
    if (this.index.size > this.maxPeers) await this.evict(options)
  }

  async delete(key: string, options?: AbortOptions): Promise<void> {
    await this.ready(options)
    this.index.delete(key)
    await this.datastore.delete(toKey(key), options)
  }

  async has(key: string, options?: AbortOptions): Promise<boolean> {
    await this.ready(options)
    return this.index.has(key)
  }

  async *all(options?: AbortOptions): AsyncIterable<StoredPeer> {
    await this.ready(options)
    for (const key of [...this.index.keys()]) {
      const peer = await this.read(key, options)
      if (peer != null) yield peer
    }
  }

  /** Loads the index once: the keys under the prefix, oldest write first. */
  private async ready(options?: AbortOptions): Promise<void> {
    this.loading ??= this.load(options)
    await this.loading
  }

  private async load(options?: AbortOptions): Promise<void> {
    const found: Array<{ key: string; updated: number; tagged: boolean }> = []
    const broken: string[] = []
    const now = Date.now()
    for await (const pair of this.datastore.query({ prefix: PEER_KEY_PREFIX }, options)) {
      const key = pair.key.toString().slice(PEER_KEY_PREFIX.length)
      try {
        const { peer, updated } = decodePeer(peerIdFromString(key), pair.value, this.limits)
        found.push({ key, updated, tagged: hasLiveTag(peer, now) })
      } catch (err) {
        this.log?.error('dropping unreadable peer record %s: %s', key, (err as Error).message)
        broken.push(key)
      }
    }
    for (const key of broken) await this.deleteQuietly(key, options)
    found.sort((a, b) => a.updated - b.updated)
    for (const { key, tagged } of found) this.index.set(key, { tagged })
    if (this.index.size > this.maxPeers) await this.evict(options)
  }

  private async read(key: string, options?: AbortOptions): Promise<StoredPeer | undefined> {
    let bytes: Uint8Array
    try {
      bytes = await this.datastore.get(toKey(key), options)
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw err
      this.index.delete(key)
      return undefined
    }
    try {
      return decodePeer(peerIdFromString(key), bytes, this.limits).peer
    } catch (err) {
      this.log?.error('dropping unreadable peer record %s: %s', key, (err as Error).message)
      this.index.delete(key)
      await this.deleteQuietly(key, options)
      return undefined
    }
  }

  private async deleteQuietly(key: string, options?: AbortOptions): Promise<void> {
    try {
      await this.datastore.delete(toKey(key), options)
    } catch (err) {
      this.log?.error('could not delete peer record %s: %s', key, (err as Error).message)
    }
  }

  private async evict(options?: AbortOptions): Promise<void> {
    const victims: string[] = []
    let excess = this.index.size - this.maxPeers
    for (const pass of [true, false]) {
      for (const [key, entry] of this.index) {
        if (excess <= 0) break
        if (this.pinned.has(key) || victims.includes(key)) continue
        if (pass && (entry.tagged || this.isProtected(key))) continue
        victims.push(key)
        excess--
      }
    }
    for (const key of victims) {
      this.index.delete(key)
      await this.datastore.delete(toKey(key), options)
    }
  }
}

function toKey(key: string): Key {
  return new Key(`${PEER_KEY_PREFIX}${key}`)
}
