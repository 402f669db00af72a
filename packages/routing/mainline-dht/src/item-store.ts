/**
 * BEP44 items put to us, by target, each with an expiry (BEP44 suggests two
 * hours). Bounded by item count and by stored bytes; at a cap the item
 * stored longest ago gives way, and a put renews an item's place.
 */
import { encode } from './bencode.js'
import { isMutable, type StoredItem } from './bep44.js'
import { idToHex } from './node-id.js'

export interface ItemStoreInit {
  /** How long an item lasts after its last put (default 2 h). */
  ttl?: number
  /** Items kept (default 2 000). */
  maxItems?: number
  /** Bytes of values, keys and signatures kept (default 2 MiB). */
  maxBytes?: number
  now?: () => number
}

interface Entry {
  readonly item: StoredItem
  readonly size: number
  expires: number
}

export class ItemStore {
  /** Map order is put order, oldest first. */
  private readonly items = new Map<string, Entry>()
  private bytes = 0
  private readonly ttl: number
  private readonly maxItems: number
  private readonly maxBytes: number
  private readonly now: () => number

  constructor(init: ItemStoreInit = {}) {
    this.ttl = init.ttl ?? 2 * 3600_000
    this.maxItems = init.maxItems ?? 2000
    this.maxBytes = init.maxBytes ?? 2 * 1024 * 1024
    this.now = init.now ?? Date.now
  }

  get size(): number {
    return this.items.size
  }

  /** Bytes held, as counted against `maxBytes`. */
  get storedBytes(): number {
    return this.bytes
  }

  get(target: Uint8Array): StoredItem | undefined {
    const key = idToHex(target)
    const entry = this.items.get(key)
    if (entry === undefined) return undefined
    if (entry.expires <= this.now()) {
      this.delete(key, entry)
      return undefined
    }
    return entry.item
  }

  /** Stores (or renews) an item; the caller has validated it. */
  set(target: Uint8Array, item: StoredItem): void {
    const key = idToHex(target)
    const previous = this.items.get(key)
    if (previous !== undefined) this.delete(key, previous)
    const size =
      encode(item.v).length +
      (isMutable(item) ? item.k.length + item.sig.length + (item.salt?.length ?? 0) : 0)
    while (this.items.size > 0 && (this.items.size >= this.maxItems || this.bytes + size > this.maxBytes)) {
      const [oldestKey, oldest] = this.items.entries().next().value as [string, Entry]
      this.delete(oldestKey, oldest)
    }
    this.items.set(key, { item, size, expires: this.now() + this.ttl })
    this.bytes += size
  }

  /** Drops expired items; the DHT calls it on a timer. */
  sweep(): void {
    const now = this.now()
    for (const [key, entry] of this.items) if (entry.expires <= now) this.delete(key, entry)
  }

  private delete(key: string, entry: Entry): void {
    this.items.delete(key)
    this.bytes -= entry.size
  }
}
