/**
 * Provider records (libp2p/specs kad-dht/README.md, "Content provider
 * advertisement and discovery"), kept in a datastore under
 * `/dht/provider/<base32 key>/<peer id>`. Each record expires after
 * `expiry` (48 h by default, as the spec recommends) and a key keeps at most
 * `maxPerKey` providers: when full, the oldest record gives way.
 */
import type { AbortOptions, PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { type Datastore, Key } from 'interface-datastore'
import { base32 } from 'multiformats/bases/base32'
import { Message } from './message.pb.js'

export const DEFAULT_PROVIDER_EXPIRY = 48 * 60 * 60 * 1000
export const DEFAULT_MAX_PROVIDERS_PER_KEY = 100
/** addresses kept per provider */
const MAX_ADDRS = 16

export interface ProviderRecord {
  peerId: PeerId
  multiaddrs: Multiaddr[]
  /** ms timestamp the record was added or renewed */
  time: number
}

export interface ProvidersInit {
  datastore: Datastore
  expiry?: number
  maxPerKey?: number
  /** clock, for tests */
  now?: () => number
}

const PREFIX = '/dht/provider'

export class Providers {
  readonly expiry: number
  readonly maxPerKey: number
  private readonly datastore: Datastore
  private readonly now: () => number

  constructor(init: ProvidersInit) {
    this.datastore = init.datastore
    this.expiry = init.expiry ?? DEFAULT_PROVIDER_EXPIRY
    this.maxPerKey = init.maxPerKey ?? DEFAULT_MAX_PROVIDERS_PER_KEY
    this.now = init.now ?? Date.now
  }

  /** Adds or renews `provider` for `key` (a multihash). */
  async add(
    key: Uint8Array,
    provider: PeerId,
    multiaddrs: Multiaddr[],
    options?: AbortOptions,
  ): Promise<void> {
    const existing = await this.records(key, options)
    const id = provider.toString()
    if (!existing.some((record) => record.peerId.toString() === id) && existing.length >= this.maxPerKey) {
      existing.sort((a, b) => a.time - b.time)
      for (const old of existing.slice(0, existing.length - this.maxPerKey + 1)) {
        await this.datastore.delete(recordKey(key, old.peerId), options)
      }
    }
    const peer = Message.Peer.encode({
      id: provider.toMultihash().bytes,
      addrs: multiaddrs.slice(0, MAX_ADDRS).map((addr) => addr.bytes),
    })
    const value = new Uint8Array(8 + peer.byteLength)
    new DataView(value.buffer).setFloat64(0, this.now())
    value.set(peer, 8)
    await this.datastore.put(recordKey(key, provider), value, options)
  }

  /** The providers of `key` that have not expired, newest first; expired ones are deleted. */
  async get(key: Uint8Array, options?: AbortOptions): Promise<ProviderRecord[]> {
    const records = await this.records(key, options)
    return records.sort((a, b) => b.time - a.time)
  }

  /** Deletes every expired record, visiting at most `limit` records; returns how many were deleted. */
  async sweep(options?: AbortOptions & { limit?: number }): Promise<number> {
    let deleted = 0
    let visited = 0
    const limit = options?.limit ?? 100_000
    for await (const pair of this.datastore.query({ prefix: PREFIX }, options)) {
      if (++visited > limit) break
      const time =
        pair.value.byteLength >= 8 ? new DataView(pair.value.buffer, pair.value.byteOffset).getFloat64(0) : 0
      if (this.now() - time >= this.expiry) {
        await this.datastore.delete(pair.key, options)
        deleted++
      }
    }
    return deleted
  }

  private async records(key: Uint8Array, options?: AbortOptions): Promise<ProviderRecord[]> {
    const out: ProviderRecord[] = []
    let visited = 0
    for await (const pair of this.datastore.query({ prefix: `${keyPrefix(key)}/` }, options)) {
      // the cap holds for what we write; a shared datastore may hold more
      if (++visited > this.maxPerKey * 2) break
      const record = decodeRecord(pair.value)
      if (record == null || this.now() - record.time >= this.expiry) {
        await this.datastore.delete(pair.key, options)
        continue
      }
      out.push(record)
    }
    return out
  }
}

function keyPrefix(key: Uint8Array): string {
  return `${PREFIX}/${base32.baseEncode(key)}`
}

function recordKey(key: Uint8Array, peerId: PeerId): Key {
  return new Key(`${keyPrefix(key)}/${peerId.toString()}`)
}

function decodeRecord(value: Uint8Array): ProviderRecord | undefined {
  try {
    if (value.byteLength < 8) return undefined
    const time = new DataView(value.buffer, value.byteOffset).getFloat64(0)
    const peer = Message.Peer.decode(value.subarray(8))
    const multiaddrs: Multiaddr[] = []
    for (const bytes of peer.addrs) {
      try {
        multiaddrs.push(multiaddr(bytes))
      } catch {
        // an address we cannot parse is left out
      }
    }
    if (peer.id == null) return undefined
    return { peerId: peerIdFromBytes(peer.id), multiaddrs, time }
  } catch {
    return undefined
  }
}
