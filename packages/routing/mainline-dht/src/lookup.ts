/**
 * The iterative lookup (BEP5, Kademlia §2.3): ask the α closest unasked
 * nodes in parallel, merge the nodes they return, and stop when the k
 * closest nodes known have all answered or failed. Pure of I/O: the caller
 * supplies `ask`, so the same loop serves find_node, get_peers and, later,
 * BEP44 get.
 */
import { type Address, addressKey, decodeNodes, type NodeContact } from './address.js'
import { AbortError } from './errors.js'
import { decodePeers } from './handlers.js'
import type { Response } from './message.js'
import { distance, idToHex } from './node-id.js'

export interface LookupReply {
  readonly nodes: readonly NodeContact[]
  readonly token?: Uint8Array
  readonly peers?: readonly Address[]
}

/**
 * What a find_node or get_peers response gives a lookup: the nodes of
 * `nodes` and BEP32 `nodes6` (at most `2k` of each) that `accept` lets
 * through, the token and the peers.
 */
export function lookupReply(
  response: Response,
  k: number,
  accept: (contact: NodeContact) => boolean,
): LookupReply {
  const { values } = response
  const nodes = [
    ...(values.nodes instanceof Uint8Array ? decodeNodes(values.nodes, 4, 2 * k) : []),
    ...(values.nodes6 instanceof Uint8Array ? decodeNodes(values.nodes6, 6, 2 * k) : []),
  ].filter(accept)
  const token = values.token instanceof Uint8Array ? values.token : undefined
  return { nodes, token, peers: decodePeers(values.values) }
}

export interface LookupInit {
  readonly target: Uint8Array
  readonly seeds: readonly NodeContact[]
  readonly ask: (node: NodeContact, signal: AbortSignal) => Promise<LookupReply>
  /** Result size and convergence set (default 8). */
  readonly k?: number
  /** Parallel queries (default 3). */
  readonly alpha?: number
  /** Candidates kept, closest first (default 64). */
  readonly maxCandidates?: number
  /** Peers gathered (default 1 000). */
  readonly maxPeers?: number
  /** Queries sent at most (default 256). */
  readonly maxQueries?: number
  readonly signal?: AbortSignal
}

export interface LookupStats {
  /** Queries sent. */
  messages: number
  responses: number
  failures: number
  /** Hops from the seeds to the farthest node asked (the lookup's rounds). */
  rounds: number
}

export interface ClosestNode extends NodeContact {
  readonly token?: Uint8Array
}

export interface LookupResult {
  /** The k closest nodes that answered, nearest first, with their tokens. */
  readonly closest: ClosestNode[]
  readonly peers: Address[]
  readonly stats: LookupStats
}

interface Candidate {
  readonly contact: NodeContact
  readonly distance: bigint
  readonly hop: number
  state: 'new' | 'asking' | 'answered' | 'failed'
  token?: Uint8Array
}

export async function lookup(init: LookupInit): Promise<LookupResult> {
  const k = init.k ?? 8
  // 5, as libtorrent's search branching: at 10,000 nodes with 20% churn, α = 3 needs a
  // fifth round (benchmarks/MAINLINE-RESULTS.md)
  const alpha = init.alpha ?? 5
  const maxCandidates = Math.max(init.maxCandidates ?? 64, k)
  const maxPeers = init.maxPeers ?? 1000
  const maxQueries = init.maxQueries ?? 256
  const controller = new AbortController()
  const onAbort = (): void => controller.abort(init.signal?.reason)
  init.signal?.addEventListener('abort', onAbort, { once: true })
  const candidates: Candidate[] = []
  const seen = new Set<string>()
  const peers = new Map<string, Address>()
  const stats: LookupStats = { messages: 0, responses: 0, failures: 0, rounds: 0 }
  let asking = 0

  const offer = (contact: NodeContact, hop: number): void => {
    const idKey = idToHex(contact.id)
    const endpoint = addressKey(contact)
    if (seen.has(idKey) || seen.has(endpoint)) return
    const entry: Candidate = { contact, distance: distance(contact.id, init.target), hop, state: 'new' }
    let index = candidates.length
    while (index > 0 && (candidates[index - 1] as Candidate).distance > entry.distance) index--
    if (index >= maxCandidates) return
    seen.add(idKey)
    seen.add(endpoint)
    candidates.splice(index, 0, entry)
    if (candidates.length > maxCandidates) candidates.length = maxCandidates
  }
  for (const seed of init.seeds) offer(seed, 1)

  try {
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        if (controller.signal.aborted) {
          reject(init.signal?.reason ?? new AbortError())
          return
        }
        let live = 0
        for (const candidate of candidates) {
          if (live >= k || asking >= alpha) break
          if (candidate.state === 'failed') continue
          live++
          if (candidate.state !== 'new' || stats.messages >= maxQueries) continue
          ask(candidate)
        }
        if (asking === 0) resolve()
      }
      const ask = (candidate: Candidate): void => {
        candidate.state = 'asking'
        asking++
        stats.messages++
        stats.rounds = Math.max(stats.rounds, candidate.hop)
        init.ask(candidate.contact, controller.signal).then(
          (reply) => {
            asking--
            stats.responses++
            candidate.state = 'answered'
            candidate.token = reply.token
            for (const peer of reply.peers ?? []) {
              if (peers.size < maxPeers) peers.set(addressKey(peer), peer)
            }
            for (const node of reply.nodes) offer(node, candidate.hop + 1)
            pump()
          },
          () => {
            asking--
            stats.failures++
            candidate.state = 'failed'
            pump()
          },
        )
      }
      pump()
    })
  } finally {
    controller.abort()
    init.signal?.removeEventListener('abort', onAbort)
  }
  const closest = candidates
    .filter((candidate) => candidate.state === 'answered')
    .slice(0, k)
    .map((candidate) => ({ ...candidate.contact, token: candidate.token }))
  return { closest, peers: [...peers.values()], stats }
}
