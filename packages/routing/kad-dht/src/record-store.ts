/**
 * Values stored with PUT_VALUE (libp2p/specs kad-dht/README.md, "Value
 * storage and retrieval"), kept in a datastore under `/dht/record/<base32
 * key>` as the spec's `Record` message with the time we received it.
 * Records older than `maxAge` (36 h by default, as go-libp2p and js-libp2p
 * use) are treated as absent and deleted.
 *
 * An in-memory index (key → time received and size, oldest first) counts
 * what is stored, so `put` and `get` touch one datastore entry by exact key
 * and `sweep` visits only expired records. It is built once, on first use,
 * from one chunked query of the record prefix. Caps: `maxRecords` records
 * and `maxBytes` bytes of stored values; at a cap the oldest record gives
 * way, for the reason the provider store evicts (see providers.ts): the
 * publisher of a record republishes it, a store that refused would stay
 * shut for `maxAge`.
 */
import type { AbortOptions } from '@libp2p/interface'
import { type Datastore, Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import { type AgeLinks, AgeList } from './age-list.js'
import { CHUNK_SIZE, yieldToEventLoop } from './event-loop.js'
import { LoadOnce } from './load-once.js'
import { Record } from './message.pb.js'
import { wireBytes } from './network.js'

export const DEFAULT_MAX_RECORD_AGE = 36 * 60 * 60 * 1000
export const DEFAULT_MAX_RECORDS = 10_000
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024

export interface RecordStoreInit {
  datastore: Datastore
  maxAge?: number
  /** records kept (default 10 000) */
  maxRecords?: number
  /** bytes of stored records kept, keys and values (default 16 MiB) */
  maxBytes?: number
  now?: () => number
}

interface Entry extends AgeLinks<Entry> {
  /** base32 of the key */
  readonly id: string
  readonly time: number
  readonly bytes: number
}

const PREFIX = '/dht/record'

export class RecordStore {
  readonly maxRecords: number
  readonly maxBytes: number
  private readonly datastore: Datastore
  private readonly maxAge: number
  private readonly now: () => number
  /** base32 key → entry */
  private readonly index = new Map<string, Entry>()
  /** every entry, oldest (least recently stored) first */
  private readonly ages = new AgeList<Entry>()
  private storedBytes = 0
  /** the index, built from the datastore at first use */
  private readonly loaded = new LoadOnce(async () => this.load())

  constructor(init: RecordStoreInit) {
    this.datastore = init.datastore
    this.maxAge = init.maxAge ?? DEFAULT_MAX_RECORD_AGE
    this.maxRecords = init.maxRecords ?? DEFAULT_MAX_RECORDS
    this.maxBytes = init.maxBytes ?? DEFAULT_MAX_RECORD_BYTES
    if (this.maxRecords < 1 || this.maxBytes < 1) throw new RangeError('record caps must be at least 1')
    this.now = init.now ?? Date.now
  }

  /** Records held (expired ones not yet swept included). */
  get size(): number {
    return this.index.size
  }

  /** Bytes of the records held. */
  get bytes(): number {
    return this.storedBytes
  }

  async put(key: Uint8Array, value: Uint8Array, options?: AbortOptions): Promise<Record> {
    await this.loaded.ready(options)
    const time = this.now()
    const record: Record = {
      key: wireBytes(key),
      value: wireBytes(value),
      timeReceived: new Date(time).toISOString(),
    }
    const bytes = Record.encode(record)
    const id = base32.baseEncode(key)
    if (bytes.byteLength > this.maxBytes) {
      throw new RangeError(`a record of ${bytes.byteLength} bytes exceeds the store's ${this.maxBytes} bytes`)
    }
    const evicted = this.insert({ id, time, bytes: bytes.byteLength })
    for (const old of evicted) await this.datastore.delete(storeKey(old), options)
    await this.datastore.put(storeKey(id), bytes, options)
    return record
  }

  /** The stored record of `key`, or undefined when there is none or it is too old. */
  async get(key: Uint8Array, options?: AbortOptions): Promise<Record | undefined> {
    await this.loaded.ready(options)
    const id = base32.baseEncode(key)
    const entry = this.index.get(id)
    if (entry == null) return undefined
    const dsKey = storeKey(id)
    let bytes: Uint8Array
    try {
      bytes = await this.datastore.get(dsKey, options)
    } catch (err) {
      if ((err as Error).name !== 'NotFoundError') throw err
      this.remove(entry) // deleted behind our back
      return undefined
    }
    const record = decodeRecord(bytes)
    const received = Date.parse(record?.timeReceived ?? '')
    if (record == null || !Number.isFinite(received) || this.now() - received > this.maxAge) {
      this.remove(entry)
      await this.datastore.delete(dsKey, options)
      return undefined
    }
    return record
  }

  /** Deletes records older than `maxAge`, oldest first, at most `limit` (default 100 000); returns how many. */
  async sweep(options?: AbortOptions & { limit?: number }): Promise<number> {
    await this.loaded.ready(options)
    const limit = options?.limit ?? 100_000
    let deleted = 0
    while (deleted < limit) {
      const oldest = this.ages.oldest()
      if (oldest == null || this.now() - oldest.time <= this.maxAge) break
      this.remove(oldest)
      await this.datastore.delete(storeKey(oldest.id), options)
      if (++deleted % CHUNK_SIZE === 0) await yieldToEventLoop()
    }
    return deleted
  }

  /** Builds the index from what the datastore holds (records of an earlier run). */
  private async load(): Promise<void> {
    const found: Entry[] = []
    const stale: string[] = []
    let seen = 0
    for await (const pair of this.datastore.query({ prefix: `${PREFIX}/` })) {
      if (++seen % CHUNK_SIZE === 0) await yieldToEventLoop()
      const id = pair.key.toString().slice(PREFIX.length + 1)
      const time = Date.parse(decodeRecord(pair.value)?.timeReceived ?? '')
      if (id.includes('/') || !Number.isFinite(time) || this.now() - time > this.maxAge) {
        if (!id.includes('/')) stale.push(id)
        continue
      }
      found.push({ id, time, bytes: pair.value.byteLength })
    }
    found.sort((a, b) => a.time - b.time)
    for (const entry of found) stale.push(...this.insert(entry))
    for (let i = 0; i < stale.length; i++) {
      await this.datastore.delete(storeKey(stale[i]!))
      if ((i + 1) % CHUNK_SIZE === 0) await yieldToEventLoop()
    }
  }

  /** Puts `entry` in the index as the newest record; returns the ids evicted for it. */
  private insert(entry: Entry): string[] {
    const existing = this.index.get(entry.id)
    if (existing != null) this.remove(existing)
    const evicted: string[] = []
    while (
      this.index.size > 0 &&
      (this.index.size >= this.maxRecords || this.storedBytes + entry.bytes > this.maxBytes)
    ) {
      const old = this.ages.oldest()!
      this.remove(old)
      evicted.push(old.id)
    }
    this.index.set(entry.id, entry)
    this.ages.push(entry)
    this.storedBytes += entry.bytes
    return evicted
  }

  private remove(entry: Entry): void {
    if (this.index.get(entry.id) !== entry) return // already replaced or removed
    this.index.delete(entry.id)
    this.ages.remove(entry)
    this.storedBytes -= entry.bytes
  }
}

function storeKey(id: string): Key {
  return new Key(`${PREFIX}/${id}`)
}

function decodeRecord(bytes: Uint8Array): Record | undefined {
  try {
    return Record.decode(bytes)
  } catch {
    return undefined
  }
}
