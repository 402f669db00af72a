/**
 * How a libp2p peer appears on the Mainline DHT, pure of I/O: its
 * multiaddrs as a BEP44 mutable item `v = { a: [bytes…] }` signed by its
 * Ed25519 key (so the item's key is its peer id), and a topic as an
 * infohash, SHA-1 of a namespaced topic string.
 */
import { createHash } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { BencodeValue } from './bencode.js'
import { encode } from './bencode.js'
import { MAX_VALUE_SIZE } from './bep44.js'

/** The salt peers publish their addresses under. */
export const PEER_SALT = 'libp2p'
/** Prefix of topic strings before hashing, so weft topics do not collide with torrents. */
export const TOPIC_NAMESPACE = '/weft/mainline/topic/'
/** Addresses per item at most (the value must stay under 1 000 bytes anyway). */
export const MAX_ITEM_ADDRESSES = 24

export function topicInfohash(topic: string, namespace = TOPIC_NAMESPACE): Uint8Array {
  return new Uint8Array(createHash('sha1').update(`${namespace}${topic}`).digest())
}

/** The item value for `addresses`, leaving out those that would push it over BEP44's 1 000 bytes. */
export function encodeAddresses(addresses: readonly Multiaddr[]): BencodeValue {
  const kept: Uint8Array[] = []
  for (const address of addresses.slice(0, MAX_ITEM_ADDRESSES)) {
    const bytes = address.bytes
    if (encode({ a: [...kept, bytes] }).length > MAX_VALUE_SIZE) continue
    kept.push(bytes)
  }
  return { a: kept }
}

/** The multiaddrs in an item value; malformed entries are skipped. */
export function decodeAddresses(value: BencodeValue): Multiaddr[] {
  if (typeof value !== 'object' || value instanceof Uint8Array || Array.isArray(value)) return []
  const list = value.a
  if (!Array.isArray(list)) return []
  const addresses: Multiaddr[] = []
  for (const entry of list.slice(0, MAX_ITEM_ADDRESSES)) {
    if (!(entry instanceof Uint8Array)) continue
    try {
      addresses.push(multiaddr(entry))
    } catch {
      // not a multiaddr: skipped
    }
  }
  return addresses
}

/** The raw Ed25519 public key of a peer id, or undefined for other key types. */
export function ed25519KeyOf(peerId: PeerId): Uint8Array | undefined {
  return peerId.type === 'Ed25519' ? peerId.publicKey.raw : undefined
}
