/**
 * One walk: a lookup of a random key through the host's peer routing, and
 * the peers it met. `getClosestPeers` of a random key is preferred (each
 * walk then reaches the region of the key space around it); a router
 * without it is asked `findPeer` of a random peer id, which finds nobody but
 * makes a DHT meet, and remember, the peers on the way.
 */
import type { PeerId, PeerInfo, PeerRouting } from '@libp2p/interface'
import { peerIdFromMultihash } from '@weft/peer-id'
import { raceSignal } from '@weft/utils'
import { create as createDigest } from 'multiformats/hashes/digest'

/** What a walk uses of the host's peer routing: either method will do. */
export type WalkRouting = Partial<Pick<PeerRouting, 'getClosestPeers' | 'findPeer'>>

export interface WalkOptions {
  /** our own id, never reported */
  self: PeerId
  /** peers taken before the walk ends early */
  maxPeers: number
  /** aborts the lookup (stop, timeout) */
  signal: AbortSignal
}

export interface WalkResult {
  /** distinct peers with at least one address, ourselves left out */
  peers: PeerInfo[]
  method: 'getClosestPeers' | 'findPeer'
}

/** multihash code of sha2-256: a peer id whose key is not inlined */
const SHA2_256 = 0x12

/** 32 random bytes: a DHT key lands anywhere in the key space (its SHA-256 is the Kademlia point). */
export function randomKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32))
}

/** A peer id nobody has: a sha2-256 multihash of random bytes. */
export function randomPeerId(): PeerId {
  return peerIdFromMultihash(createDigest(SHA2_256, randomKey()))
}

/** Runs one lookup of a random key; rejects with the router's error or the signal's reason. */
export async function walk(routing: WalkRouting, options: WalkOptions): Promise<WalkResult> {
  if (typeof routing.getClosestPeers === 'function') {
    return {
      peers: await closestPeers(routing.getClosestPeers.bind(routing), options),
      method: 'getClosestPeers',
    }
  }
  if (typeof routing.findPeer !== 'function') {
    throw new TypeError('the peer routing offers neither getClosestPeers nor findPeer')
  }
  const { self, signal } = options
  try {
    const found = await raceSignal(routing.findPeer(randomPeerId(), { signal, useCache: false }), signal)
    return { peers: keep([found], self, options.maxPeers), method: 'findPeer' }
  } catch (err) {
    // the random id is nobody's: not finding it is the usual end of the walk
    if ((err as Error).name === 'NotFoundError' && !signal.aborted) return { peers: [], method: 'findPeer' }
    throw err
  }
}

async function closestPeers(
  getClosestPeers: NonNullable<WalkRouting['getClosestPeers']>,
  { self, maxPeers, signal }: WalkOptions,
): Promise<PeerInfo[]> {
  const iterator = getClosestPeers(randomKey(), { signal, useCache: false })[Symbol.asyncIterator]()
  const peers = new Map<string, PeerInfo>()
  let done = false
  try {
    while (peers.size < maxPeers) {
      // a router that ignores the signal cannot hold the walk past it
      const next = await raceSignal(iterator.next(), signal)
      if (next.done === true) {
        done = true
        break
      }
      for (const peer of keep([next.value], self, 1)) {
        if (!peers.has(peer.id.toString())) peers.set(peer.id.toString(), peer)
      }
    }
  } finally {
    // ends a lookup still running; not awaited, as a router stuck in `next` would hold us here
    if (!done) iterator.return?.()?.catch(() => {})
  }
  return [...peers.values()]
}

/** Peers that are not us and have an address, at most `max`. */
function keep(found: PeerInfo[], self: PeerId, max: number): PeerInfo[] {
  return found
    .filter((peer) => peer?.id != null && !peer.id.equals(self) && peer.multiaddrs.length > 0)
    .slice(0, max)
}
