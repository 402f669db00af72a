/**
 * Provider records (libp2p/specs kad-dht/README.md, "Content provider
 * advertisement and discovery"), kept in a datastore under
 * `/dht/provider/<base32 key>/<peer id>` (value: the time added, then the
 * wire `Peer`). Each record expires after `expiry` (48 h by default, as the
 * spec recommends).
 *
 * An in-memory index (key → peer → time, and every record in the order it
 * was added or renewed) is the authority on what is stored, so a request
 * touches only the datastore entries of its own key, by exact key, whatever
 * the datastore: no prefix query, which a `MemoryDatastore` answers by
 * walking every entry it holds. The index is built once, on first use, from
 * one chunked query of the provider prefix (empty for the DHT's own
 * datastore).
 *
 * Caps: `maxPerKey` providers per key and `maxTotal` records in all. When a
 * cap is hit the least recently added or renewed record gives way (of the
 * key, or of the whole store). Refusing instead would let a peer that filled
 * the store once shut honest providers out for the whole expiry; evicting
 * makes it pay for every record it keeps in, while honest providers
 * republish theirs (every 22 h by default) and come back.
 */
import type { AbortOptions, PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { type Datastore, Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import { type AgeLinks, AgeList } from './age-list.js'
import { CHUNK_SIZE, yieldToEventLoop } from './event-loop.js'
import { LoadOnce } from './load-once.js'
import { Message } from './message.pb.js'

export const DEFAULT_PROVIDER_EXPIRY = 48 * 60 * 60 * 1000
export const DEFAULT_MAX_PROVIDERS_PER_KEY = 100
export const DEFAULT_MAX_PROVIDERS = 20_000
/** addresses kept per provider */
const MAX_ADDRS = 16
/** bytes of addresses kept per provider: bounds a record's size whatever the peer sends */
const MAX_ADDR_BYTES = 1024

export interface ProviderRecord {
  peerId: PeerId
  multiaddrs: Multiaddr[]
  /** ms timestamp the record was added or renewed */
  time: number
}

/** A provider record as the wire carries it. */
export interface WireProvider {
  /** the provider's peer id, multihash bytes */
  id: Uint8Array
  addrs: Uint8Array[]
  /** ms timestamp the record was added or renewed */
  time: number
}

export interface ProvidersInit {
  datastore: Datastore
  expiry?: number
  maxPerKey?: number
  /** provider records kept in all (default 20 000) */
  maxTotal?: number
  /** clock, for tests */
  now?: () => number
}

/** One record in the index; the addresses stay in the datastore. */
interface Entry extends AgeLinks<Entry> {
  /** base32 of the key */
  readonly key: string
  readonly peer: string
  readonly id: string
  readonly time: number
}

const PREFIX = '/dht/provider'

export class Providers {
  readonly expiry: number
  readonly maxPerKey: number
  readonly maxTotal: number
  private readonly datastore: Datastore
  private readonly now: () => number
  /** key → peer → entry, oldest first */
  private readonly byKey = new Map<string, Map<string, Entry>>()
  /** every entry by id */
  private readonly entries = new Map<string, Entry>()
  /** every entry, oldest (least recently added or renewed) first */
  private readonly ages = new AgeList<Entry>()
  /** the index, built from the datastore at first use */
  private readonly loaded = new LoadOnce(async () => this.load())

  constructor(init: ProvidersInit) {
    this.datastore = init.datastore
    this.expiry = init.expiry ?? DEFAULT_PROVIDER_EXPIRY
    this.maxPerKey = init.maxPerKey ?? DEFAULT_MAX_PROVIDERS_PER_KEY
    this.maxTotal = init.maxTotal ?? DEFAULT_MAX_PROVIDERS
    if (this.maxPerKey < 1 || this.maxTotal < 1) throw new RangeError('provider caps must be at least 1')
    this.now = init.now ?? Date.now
  }

  /** Provider records held (expired ones not yet swept included). */
  get size(): number {
    return this.entries.size
  }

  /** Keys with at least one provider record. */
  get keyCount(): number {
    return this.byKey.size
  }

  /** Adds or renews `provider` for `key` (a multihash); at a cap the oldest record gives way. */
  async add(
    key: Uint8Array,
    provider: PeerId,
    multiaddrs: Multiaddr[],
    options?: AbortOptions,
  ): Promise<void> {
    await this.addWire(
      key,
      provider,
      multiaddrs.map((addr) => addr.bytes),
      options,
    )
  }

  /**
   * `add` with the addresses as a peer sent them: kept as bytes, at most 16
   * and 1 KiB (what does not fit is left out), not parsed (whoever reads them
   * parses them, as for any address a peer relays).
   */
  async addWire(
    key: Uint8Array,
    provider: PeerId,
    addrs: Uint8Array[],
    options?: AbortOptions,
  ): Promise<void> {
    await this.loaded.ready(options)
    const time = this.now()
    const keyId = base32.baseEncode(key)
    const peer = provider.toString()
    const evicted = this.insert({ key: keyId, peer, id: `${keyId}/${peer}`, time })
    for (const old of evicted) await this.datastore.delete(storeKey(old), options)
    const kept: Array<Uint8Array<ArrayBuffer>> = []
    let bytes = 0
    for (const addr of addrs) {
      if (kept.length >= MAX_ADDRS) break
      if (bytes + addr.byteLength > MAX_ADDR_BYTES) continue
      bytes += addr.byteLength
      kept.push(addr as Uint8Array<ArrayBuffer>)
    }
    const peerBytes = Message.Peer.encode({ id: provider.toMultihash().bytes, addrs: kept })
    const value = new Uint8Array(8 + peerBytes.byteLength)
    new DataView(value.buffer).setFloat64(0, time)
    value.set(peerBytes, 8)
    await this.datastore.put(new Key(`${PREFIX}/${keyId}/${peer}`), value, options)
  }

  /**
   * The providers of `key` that have not expired, newest first, at most
   * `limit` (default all, up to `maxPerKey`); expired ones met are deleted.
   */
  async get(key: Uint8Array, options?: AbortOptions & { limit?: number }): Promise<ProviderRecord[]> {
    const out: ProviderRecord[] = []
    for (const wire of await this.getWire(key, options)) {
      try {
        out.push({ peerId: peerIdFromBytes(wire.id), multiaddrs: parseAddrs(wire.addrs), time: wire.time })
      } catch {
        // a record whose peer id does not parse is left out
      }
    }
    return out
  }

  /** `get` as the wire has it (a GET_PROVIDERS reply): peer id and address bytes, nothing parsed. */
  async getWire(key: Uint8Array, options?: AbortOptions & { limit?: number }): Promise<WireProvider[]> {
    await this.loaded.ready(options)
    const perKey = this.byKey.get(base32.baseEncode(key))
    if (perKey == null) return []
    const limit = options?.limit ?? this.maxPerKey
    const newestFirst = [...perKey.values()].reverse()
    const out: WireProvider[] = []
    for (const entry of newestFirst) {
      if (out.length >= limit) break
      if (this.now() - entry.time >= this.expiry) {
        this.remove(entry)
        await this.datastore.delete(storeKey(entry), options)
        continue
      }
      let bytes: Uint8Array
      try {
        bytes = await this.datastore.get(storeKey(entry), options)
      } catch (err) {
        if ((err as Error).name !== 'NotFoundError') throw err
        this.remove(entry) // deleted behind our back
        continue
      }
      const record = decodeRecord(bytes)
      if (record == null) {
        this.remove(entry)
        await this.datastore.delete(storeKey(entry), options)
        continue
      }
      out.push(record)
    }
    return out
  }

  /**
   * Deletes expired records, oldest first, at most `limit` (default 100 000);
   * returns how many. The index is in the order records were added, so this
   * stops at the first live one, and yields to the event loop every chunk.
   */
  async sweep(options?: AbortOptions & { limit?: number }): Promise<number> {
    await this.loaded.ready(options)
    const limit = options?.limit ?? 100_000
    let deleted = 0
    while (deleted < limit) {
      const oldest = this.ages.oldest()
      if (oldest == null || this.now() - oldest.time < this.expiry) break
      this.remove(oldest)
      await this.datastore.delete(storeKey(oldest), options)
      if (++deleted % CHUNK_SIZE === 0) await yieldToEventLoop()
    }
    return deleted
  }

  /** Builds the index from what the datastore holds (records of an earlier run). */
  private async load(): Promise<void> {
    const found: Entry[] = []
    const stale: Key[] = []
    let seen = 0
    for await (const pair of this.datastore.query({ prefix: `${PREFIX}/` })) {
      if (++seen % CHUNK_SIZE === 0) await yieldToEventLoop()
      const parts = pair.key.toString().split('/') // '', 'dht', 'provider', key, peer
      const time = readTime(pair.value)
      if (parts.length !== 5 || time == null || this.now() - time >= this.expiry) {
        stale.push(pair.key)
        continue
      }
      const [key, peer] = [parts[3]!, parts[4]!]
      found.push({ key, peer, id: `${key}/${peer}`, time })
    }
    found.sort((a, b) => a.time - b.time)
    for (const entry of found) {
      for (const old of this.insert(entry)) stale.push(storeKey(old))
    }
    for (let i = 0; i < stale.length; i++) {
      await this.datastore.delete(stale[i]!)
      if ((i + 1) % CHUNK_SIZE === 0) await yieldToEventLoop()
    }
  }

  /** Puts `entry` in the index (renewing moves it to the newest end); returns the entries evicted for it. */
  private insert(entry: Entry): Entry[] {
    const evicted: Entry[] = []
    const existing = this.entries.get(entry.id)
    if (existing != null) {
      this.remove(existing)
    } else {
      const perKey = this.byKey.get(entry.key)
      if (perKey != null && perKey.size >= this.maxPerKey) evicted.push(first(perKey)!)
      else if (this.entries.size >= this.maxTotal) evicted.push(this.ages.oldest()!)
      for (const old of evicted) this.remove(old)
    }
    let perKey = this.byKey.get(entry.key)
    if (perKey == null) {
      perKey = new Map()
      this.byKey.set(entry.key, perKey)
    }
    perKey.set(entry.peer, entry)
    this.entries.set(entry.id, entry)
    this.ages.push(entry)
    return evicted
  }

  private remove(entry: Entry): void {
    if (this.entries.get(entry.id) !== entry) return // already replaced or removed
    this.entries.delete(entry.id)
    this.ages.remove(entry)
    const perKey = this.byKey.get(entry.key)
    perKey?.delete(entry.peer)
    if (perKey?.size === 0) this.byKey.delete(entry.key)
  }
}

function first<V>(map: Map<string, V>): V | undefined {
  for (const value of map.values()) return value
  return undefined
}

function storeKey(entry: Entry): Key {
  return new Key(`${PREFIX}/${entry.key}/${entry.peer}`)
}

function readTime(value: Uint8Array): number | undefined {
  if (value.byteLength < 8) return undefined
  const time = new DataView(value.buffer, value.byteOffset).getFloat64(0)
  return Number.isFinite(time) ? time : undefined
}

function decodeRecord(value: Uint8Array): WireProvider | undefined {
  try {
    const time = readTime(value)
    if (time == null) return undefined
    const peer = Message.Peer.decode(value.subarray(8))
    if (peer.id == null) return undefined
    return { id: peer.id, addrs: peer.addrs, time }
  } catch {
    return undefined
  }
}

function parseAddrs(addrs: Uint8Array[]): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const bytes of addrs) {
    try {
      out.push(multiaddr(bytes))
    } catch {
      // an address we cannot parse is left out
    }
  }
  return out
}
