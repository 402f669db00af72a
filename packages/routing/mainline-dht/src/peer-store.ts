/**
 * Peers announced to us, by infohash (BEP5 announce_peer), each with an
 * expiry. Bounded three ways: peers per infohash, infohashes, peers in all;
 * at a cap the oldest announcement gives way, so whoever filled the store
 * once cannot keep later honest announcers out.
 */
import { type Address, addressKey, familyOf } from './address.js'
import { idToHex } from './node-id.js'

export interface PeerStoreInit {
  /** How long an announcement lasts (default 30 min). */
  ttl?: number
  /** Peers kept per infohash (default 100). */
  maxPeersPerInfohash?: number
  /** Infohashes kept (default 5 000). */
  maxInfohashes?: number
  /** Peers kept in all (default 50 000). */
  maxPeers?: number
  now?: () => number
}

interface Entry {
  readonly peer: Address
  expires: number
}

export class PeerStore {
  /** Map order is announcement order, oldest first, in both levels. */
  private readonly swarms = new Map<string, Map<string, Entry>>()
  private total = 0
  private readonly ttl: number
  private readonly perInfohash: number
  private readonly maxInfohashes: number
  private readonly maxPeers: number
  private readonly now: () => number

  constructor(init: PeerStoreInit = {}) {
    this.ttl = init.ttl ?? 30 * 60_000
    this.perInfohash = init.maxPeersPerInfohash ?? 100
    this.maxInfohashes = init.maxInfohashes ?? 5000
    this.maxPeers = init.maxPeers ?? 50_000
    this.now = init.now ?? Date.now
  }

  get size(): number {
    return this.total
  }

  get infohashCount(): number {
    return this.swarms.size
  }

  add(infohash: Uint8Array, peer: Address): void {
    const key = idToHex(infohash)
    let swarm = this.swarms.get(key)
    if (swarm === undefined) {
      if (this.swarms.size >= this.maxInfohashes) this.dropOldestSwarm()
      swarm = new Map()
      this.swarms.set(key, swarm)
    } else {
      // moved to the back of both orders: renewed announcements are the newest
      this.swarms.delete(key)
      this.swarms.set(key, swarm)
    }
    const peerKey = addressKey(peer)
    if (swarm.delete(peerKey)) this.total--
    if (swarm.size >= this.perInfohash) this.dropOldestPeer(swarm)
    if (this.total >= this.maxPeers) this.dropOldestSwarmPeer()
    swarm.set(peerKey, { peer: { host: peer.host, port: peer.port }, expires: this.now() + this.ttl })
    this.total++
  }

  /** Live peers of `infohash`, of one address family when given, newest first, at most `max`. */
  get(infohash: Uint8Array, max = 50, family?: 4 | 6): Address[] {
    const swarm = this.swarms.get(idToHex(infohash))
    if (swarm === undefined) return []
    const now = this.now()
    const peers: Address[] = []
    for (const [peerKey, entry] of [...swarm].reverse()) {
      if (entry.expires <= now) {
        swarm.delete(peerKey)
        this.total--
        continue
      }
      if (peers.length < max && (family === undefined || familyOf(entry.peer.host) === family))
        peers.push(entry.peer)
    }
    if (swarm.size === 0) this.swarms.delete(idToHex(infohash))
    return peers
  }

  /** Drops expired announcements; the DHT calls it on a timer. */
  sweep(): void {
    const now = this.now()
    for (const [key, swarm] of this.swarms) {
      for (const [peerKey, entry] of swarm) {
        if (entry.expires > now) continue
        swarm.delete(peerKey)
        this.total--
      }
      if (swarm.size === 0) this.swarms.delete(key)
    }
  }

  /** Infohashes held, for BEP51 sample_infohashes later. */
  infohashes(): string[] {
    return [...this.swarms.keys()]
  }

  private dropOldestSwarm(): void {
    const oldest = this.swarms.keys().next().value
    if (oldest === undefined) return
    this.total -= this.swarms.get(oldest)?.size ?? 0
    this.swarms.delete(oldest)
  }

  private dropOldestPeer(swarm: Map<string, Entry>): void {
    const oldest = swarm.keys().next().value
    if (oldest !== undefined && swarm.delete(oldest)) this.total--
  }

  private dropOldestSwarmPeer(): void {
    const [key, swarm] = this.swarms.entries().next().value ?? []
    if (key === undefined || swarm === undefined) return
    this.dropOldestPeer(swarm)
    if (swarm.size === 0) this.swarms.delete(key)
  }
}
