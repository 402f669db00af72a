/**
 * The I/O shell around the pure `Lookup` (query.ts): sends the lookup's
 * request to the candidates it hands out, `alpha` at a time, and feeds the
 * closer peers of each reply back until the lookup converges, the caller
 * stops it, or the signal aborts.
 */
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromBytes } from '@weft/peer-id'
import { anySignal, deferred, raceSignal, throwIfAborted } from '@weft/utils'
import { kadId } from './distance.js'
import type { Message } from './message.pb.js'
import { type Network, parseAddrs } from './network.js'
import { Lookup } from './query.js'

export interface PeerCandidate {
  peerId: PeerId
  multiaddrs: Multiaddr[]
}

export interface LookupStats {
  /** requests sent */
  rpcs: number
  /** requests that failed (dial error, timeout, bad reply) */
  failures: number
  /** sequential rounds of queries: the highest round that answered */
  rounds: number
  /** ms from start to end */
  duration: number
}

export interface LookupResult {
  /** the k closest peers that answered, closest first */
  closest: PeerCandidate[]
  stats: LookupStats
}

/** What a caller of the DHT's lookup may add to the key: the request to send and a look at each reply. */
export interface LookupOptions extends AbortOptions {
  /** the request sent to each peer (FIND_NODE of the key by default) */
  request?: Partial<Message>
  /** sees every reply; returning true ends the lookup (value or peer found) */
  onReply?: (peer: PeerCandidate, reply: Message, round: number) => boolean | undefined
}

/** An iterative lookup of `key` over the DHT's routing table and network. */
export type LookupFn = (key: Uint8Array, options?: LookupOptions) => Promise<LookupResult>

export interface RunLookupInit extends AbortOptions {
  /** bytes whose SHA-256 is the target point */
  key: Uint8Array
  self: PeerId
  seeds: PeerCandidate[]
  k: number
  alpha: number
  network: Network
  request: Partial<Message>
  /** sees every reply; returning true ends the lookup (value or peer found) */
  onReply?: (peer: PeerCandidate, reply: Message, round: number) => boolean | undefined
  onSuccess?: (peer: PeerCandidate) => void
  onFailure?: (peer: PeerCandidate, err: Error) => void
}

/** Addresses kept per learned peer */
const MAX_ADDRS_PER_PEER = 16

export async function runLookup(init: RunLookupInit): Promise<LookupResult> {
  const started = performance.now()
  const lookup = new Lookup<PeerCandidate>({
    target: kadId(init.key),
    k: init.k,
    alpha: init.alpha,
    exclude: [wireKey(init.self.toMultihash().bytes)],
  })
  lookup.add(init.seeds.map(toCandidate))
  let failures = 0
  let rounds = 0
  let wake = deferred<void>()
  let finished = false
  // aborts the requests still in flight when the lookup ends early
  const end = new AbortController()
  const signal = anySignal([init.signal, end.signal])

  const query = async (candidate: { key: string; value: PeerCandidate; round: number }): Promise<void> => {
    const peer = candidate.value
    try {
      const reply = await init.network.send(peer.peerId, peer.multiaddrs, init.request, { signal })
      if (reply == null) throw new Error('no reply')
      if (finished) return
      rounds = Math.max(rounds, candidate.round)
      // only peers the lookup has not seen are parsed and hashed
      const closer: Array<{ key: string; kadId: Uint8Array; value: PeerCandidate }> = []
      for (const wire of reply.closerPeers) {
        if (wire.id == null) continue
        const key = wireKey(wire.id)
        if (lookup.has(key)) continue
        const learned = fromWire(wire)
        if (learned != null) closer.push({ key, kadId: kadId(wire.id), value: learned })
      }
      lookup.succeeded(candidate.key, closer)
      init.onSuccess?.(peer)
      if (init.onReply?.(peer, reply, candidate.round) === true) lookup.stop()
    } catch (err) {
      if (finished) return
      failures++
      lookup.failed(candidate.key)
      if (!signal.aborted) init.onFailure?.(peer, err as Error)
    } finally {
      wake.resolve()
    }
  }

  try {
    while (true) {
      throwIfAborted(init.signal)
      for (const candidate of lookup.next()) void query(candidate)
      // converged or stopped: requests still in flight are not waited for
      if (lookup.isDone()) break
      await raceSignal(wake.promise, init.signal)
      wake = deferred<void>()
    }
  } finally {
    finished = true
    end.abort(new Error('lookup finished'))
    signal.clear()
  }
  return {
    closest: lookup.closest().map((candidate) => candidate.value),
    stats: { rpcs: lookup.rpcs, failures, rounds, duration: performance.now() - started },
  }
}

function toCandidate(peer: PeerCandidate): { key: string; kadId: Uint8Array; value: PeerCandidate } {
  const bytes = peer.peerId.toMultihash().bytes
  return { key: wireKey(bytes), kadId: kadId(bytes), value: peer }
}

/** A cheap map key for peer id bytes (one char per byte; no base58). */
function wireKey(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[])
}

/** A wire `Peer` as a candidate; undefined when its id does not parse. */
export function fromWire(wire: Message.Peer): PeerCandidate | undefined {
  try {
    if (wire.id == null) return undefined
    return { peerId: peerIdFromBytes(wire.id), multiaddrs: parseAddrs(wire.addrs, MAX_ADDRS_PER_PEER) }
  } catch {
    return undefined
  }
}
