/**
 * Pure logic of the peer store: how `save`, `patch` and `merge` combine the
 * stored record of a peer with new `PeerData`, the limits that keep a record
 * small, and whether anything changed. No I/O here.
 */
import {
  type Address,
  InvalidParametersError,
  type Peer,
  type PeerData,
  type PeerId,
  type Tag,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { addressForm, normaliseStoredAddresses } from './address-form.js'

export interface PeerRecordLimits {
  /** addresses kept per peer; further ones are dropped (default 100) */
  maxAddresses: number
  /** protocols kept per peer; further ones are dropped (default 256) */
  maxProtocols: number
  /** metadata entries per peer; more throw InvalidParametersError (default 64) */
  maxMetadataEntries: number
  /** bytes per metadata value (default 16 KiB) */
  maxMetadataValueLength: number
  /** tags per peer; more throw InvalidParametersError (default 64) */
  maxTags: number
  /**
   * ms an address stays after it was last written (default 24 h); writing it
   * again refreshes it, so the addresses of peers we stop hearing about age out
   * (`Infinity`: never; our own record never expires its addresses)
   */
  addressTtl: number
}

export const DEFAULT_PEER_RECORD_LIMITS: PeerRecordLimits = {
  maxAddresses: 100,
  maxProtocols: 256,
  maxMetadataEntries: 64,
  maxMetadataValueLength: 16 * 1024,
  maxTags: 64,
  addressTtl: 24 * 60 * 60 * 1000,
}

export interface StoredTag {
  value: number
  /** epoch milliseconds after which the tag is gone */
  expires?: number
}

/** An address with the time it expires. */
export interface StoredAddress extends Address {
  /** epoch milliseconds after which the address is forgotten */
  expires?: number
}

/** What the peer store keeps about one peer. */
export interface StoredPeer {
  id: PeerId
  /** keyed by the multiaddr's string form, in insertion order */
  addresses: Map<string, StoredAddress>
  protocols: string[]
  metadata: Map<string, Uint8Array>
  tags: Map<string, StoredTag>
  peerRecordEnvelope?: Uint8Array
}

export type UpdateMode = 'save' | 'patch' | 'merge'

export function emptyPeer(id: PeerId): StoredPeer {
  return { id, addresses: new Map(), protocols: [], metadata: new Map(), tags: new Map() }
}

export function clonePeer(peer: StoredPeer): StoredPeer {
  return {
    id: peer.id,
    addresses: new Map(peer.addresses),
    protocols: [...peer.protocols],
    metadata: new Map(peer.metadata),
    tags: new Map(peer.tags),
    peerRecordEnvelope: peer.peerRecordEnvelope,
  }
}

/** The `Peer` view of a record at time `now` (expired tags and addresses left out). */
export function toPeer(peer: StoredPeer, now = Date.now()): Peer {
  const tags = new Map<string, Tag>()
  for (const [name, tag] of peer.tags) {
    if (tag.expires == null || tag.expires > now) tags.set(name, { value: tag.value })
  }
  const addresses: Address[] = []
  for (const address of peer.addresses.values()) {
    if (address.expires == null || address.expires > now) {
      addresses.push({ multiaddr: address.multiaddr, isCertified: address.isCertified })
    }
  }
  return {
    id: peer.id,
    addresses,
    protocols: [...peer.protocols],
    metadata: new Map(peer.metadata),
    tags,
    peerRecordEnvelope: peer.peerRecordEnvelope,
  }
}

/**
 * Returns a new record: `existing` updated with `data` as `mode` says.
 * save: every field is replaced (absent ones emptied); patch: the fields
 * present in `data` are replaced; merge: addresses and protocols are united,
 * metadata and tags merged key by key (an `undefined` value removes the key).
 */
export function updatePeer(
  existing: StoredPeer,
  data: PeerData,
  mode: UpdateMode,
  limits: PeerRecordLimits = DEFAULT_PEER_RECORD_LIMITS,
  now = Date.now(),
): StoredPeer {
  const next = mode === 'save' ? emptyPeer(existing.id) : clonePeer(existing)
  if (mode === 'save') next.peerRecordEnvelope = undefined

  for (const [key, address] of next.addresses) {
    if (address.expires != null && address.expires <= now) next.addresses.delete(key)
  }
  // one entry per address, whatever the record held before (address-form.ts)
  next.addresses = normaliseStoredAddresses(existing.id, next.addresses)
  const addresses = collectAddresses(existing.id, data)
  if (addresses != null) {
    const previous = next.addresses
    if (mode !== 'merge') next.addresses = new Map()
    for (const address of addresses) {
      const key = address.multiaddr.toString()
      const known = previous.get(key)
      if (!next.addresses.has(key) && next.addresses.size >= limits.maxAddresses) continue
      // refresh an expiry only once half of it has passed, so repeated merges
      // of a known address do not rewrite the record every time
      const expires = !Number.isFinite(limits.addressTtl)
        ? undefined
        : known?.expires != null && known.expires - now > limits.addressTtl / 2
          ? known.expires
          : now + limits.addressTtl
      next.addresses.set(key, {
        multiaddr: address.multiaddr,
        isCertified: address.isCertified || (mode === 'merge' && known?.isCertified === true),
        expires,
      })
    }
  }

  if (data.protocols != null) {
    const protocols = new Set(mode === 'merge' ? next.protocols : [])
    for (const protocol of data.protocols) {
      if (typeof protocol !== 'string') throw new InvalidParametersError('protocols must be strings')
      if (protocols.size >= limits.maxProtocols) break
      protocols.add(protocol)
    }
    next.protocols = [...protocols].sort()
  }

  if (data.metadata != null) {
    if (mode !== 'merge') next.metadata = new Map()
    for (const [key, value] of entriesOf(data.metadata)) {
      if (value === undefined) {
        next.metadata.delete(key)
        continue
      }
      if (!(value instanceof Uint8Array))
        throw new InvalidParametersError(`metadata "${key}" must be a Uint8Array`)
      if (value.byteLength > limits.maxMetadataValueLength) {
        throw new InvalidParametersError(
          `metadata "${key}" holds ${value.byteLength} bytes, over the limit of ${limits.maxMetadataValueLength}`,
        )
      }
      next.metadata.set(key, value)
    }
    if (next.metadata.size > limits.maxMetadataEntries) {
      throw new InvalidParametersError(
        `peer would have ${next.metadata.size} metadata entries, over the limit of ${limits.maxMetadataEntries}`,
      )
    }
  }

  if (data.tags != null) {
    if (mode !== 'merge') next.tags = new Map()
    for (const [name, options] of entriesOf(data.tags)) {
      if (options === undefined) {
        next.tags.delete(name)
        continue
      }
      const value = options.value ?? 0
      if (!Number.isInteger(value) || value < 0 || value > 100) {
        throw new InvalidParametersError(`tag "${name}" value must be an integer from 0 to 100, got ${value}`)
      }
      if (options.ttl != null && !(options.ttl > 0)) {
        throw new InvalidParametersError(`tag "${name}" ttl must be a positive number, got ${options.ttl}`)
      }
      next.tags.set(name, options.ttl == null ? { value } : { value, expires: now + options.ttl })
    }
    for (const [name, tag] of next.tags) {
      if (tag.expires != null && tag.expires <= now) next.tags.delete(name)
    }
    if (next.tags.size > limits.maxTags) {
      throw new InvalidParametersError(
        `peer would have ${next.tags.size} tags, over the limit of ${limits.maxTags}`,
      )
    }
  }

  if (data.peerRecordEnvelope != null) next.peerRecordEnvelope = data.peerRecordEnvelope
  return next
}

/**
 * The addresses `data` gives, each in the form kept for `peer` and once
 * (address-form.ts: another peer's addresses are left out); `addresses` win
 * over `multiaddrs` for the same address (they may be certified).
 */
function collectAddresses(peer: PeerId, data: PeerData): Address[] | undefined {
  if (data.addresses == null && data.multiaddrs == null) return undefined
  const byKey = new Map<string, Address>()
  for (const given of data.multiaddrs ?? []) {
    const multiaddr = addressForm(peer, checkMultiaddr(given))
    if (multiaddr != null) byKey.set(multiaddr.toString(), { multiaddr, isCertified: false })
  }
  const fromAddresses = new Set<string>()
  for (const address of data.addresses ?? []) {
    const multiaddr = addressForm(peer, checkMultiaddr(address.multiaddr))
    if (multiaddr == null) continue
    const key = multiaddr.toString()
    const certified = fromAddresses.has(key) && byKey.get(key)?.isCertified === true
    fromAddresses.add(key)
    byKey.set(key, { multiaddr, isCertified: certified || address.isCertified === true })
  }
  return [...byKey.values()]
}

function checkMultiaddr(multiaddr: Multiaddr): Multiaddr {
  if (multiaddr == null || typeof (multiaddr as { getComponents?: unknown }).getComponents !== 'function') {
    throw new InvalidParametersError('addresses must be Multiaddr objects')
  }
  return multiaddr
}

function entriesOf<V>(input: Map<string, V> | Record<string, V>): Iterable<[string, V]> {
  return input instanceof Map ? input.entries() : Object.entries(input)
}

/** True when the two records hold the same data (used to skip needless update events). */
export function samePeer(a: StoredPeer, b: StoredPeer): boolean {
  if (!a.id.equals(b.id)) return false
  if (a.addresses.size !== b.addresses.size) return false
  for (const [key, address] of a.addresses) {
    const other = b.addresses.get(key)
    if (other?.isCertified !== address.isCertified || other.expires !== address.expires) return false
  }
  if (a.protocols.length !== b.protocols.length) return false
  for (let i = 0; i < a.protocols.length; i++) if (a.protocols[i] !== b.protocols[i]) return false
  if (a.metadata.size !== b.metadata.size) return false
  for (const [key, value] of a.metadata) {
    const other = b.metadata.get(key)
    if (other == null || !equalBytes(value, other)) return false
  }
  if (a.tags.size !== b.tags.size) return false
  for (const [name, tag] of a.tags) {
    const other = b.tags.get(name)
    if (other == null || other.value !== tag.value || other.expires !== tag.expires) return false
  }
  if (a.peerRecordEnvelope == null || b.peerRecordEnvelope == null) {
    return a.peerRecordEnvelope == null && b.peerRecordEnvelope == null
  }
  return equalBytes(a.peerRecordEnvelope, b.peerRecordEnvelope)
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}
