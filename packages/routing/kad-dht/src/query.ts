/**
 * The iterative lookup (libp2p/specs kad-dht/README.md, "Peer routing"), as a
 * pure state machine with no I/O: it keeps the candidates closest to the
 * target, hands out at most `alpha` of them to query at a time, and stops on
 * convergence, when the `k` closest candidates that have not failed have all
 * answered. The I/O shell (query-runner.ts) sends the RPCs and feeds the
 * answers back.
 *
 * Each candidate carries the round (hop) it was learned in: seeds from our
 * own routing table are round 1, peers a round-n peer tells us of are round
 * n + 1. That gives the "rounds of queries" a lookup needed.
 */
import { compareCloseness } from './distance.js'

export type CandidateState = 'waiting' | 'in-flight' | 'succeeded' | 'failed'

export interface Candidate<T> {
  /** unique key (a peer id string) */
  key: string
  /** key-space point (SHA-256 of the peer id multihash) */
  kadId: Uint8Array
  /** whatever the caller attaches (peer id, addresses) */
  value: T
  state: CandidateState
  /** the round this candidate is queried in */
  round: number
}

export interface LookupInit {
  /** key-space point looked up */
  target: Uint8Array
  /** peers that must answer for convergence (default 20) */
  k?: number
  /** queries in flight at once (default 3) */
  alpha?: number
  /** candidates kept, farthest dropped first (default 8 × k) */
  maxCandidates?: number
  /** keys never to query (ourselves) */
  exclude?: Iterable<string>
}

export class Lookup<T> {
  readonly target: Uint8Array
  readonly k: number
  readonly alpha: number
  private readonly maxCandidates: number
  /** sorted closest first */
  private candidates: Array<Candidate<T>> = []
  private readonly known = new Map<string, Candidate<T>>()
  private readonly excluded: Set<string>
  private inFlightCount = 0
  private stopped = false
  /** RPCs handed out */
  rpcs = 0

  constructor(init: LookupInit) {
    this.target = init.target
    this.k = init.k ?? 20
    this.alpha = init.alpha ?? 3
    this.maxCandidates = init.maxCandidates ?? this.k * 8
    if (this.k < 1 || this.alpha < 1) throw new RangeError('k and alpha must be at least 1')
    this.excluded = new Set(init.exclude ?? [])
  }

  /** Whether `key` was ever a candidate (or is excluded). */
  has(key: string): boolean {
    return this.known.has(key) || this.excluded.has(key)
  }

  get inFlight(): number {
    return this.inFlightCount
  }

  /** Adds candidates learned in `round` (seeds: round 1). Known and excluded keys are ignored. */
  add(peers: Iterable<{ key: string; kadId: Uint8Array; value: T }>, round = 1): void {
    let changed = false
    for (const peer of peers) {
      if (this.excluded.has(peer.key) || this.known.has(peer.key)) continue
      const candidate: Candidate<T> = { ...peer, state: 'waiting', round }
      this.known.set(peer.key, candidate)
      this.candidates.push(candidate)
      changed = true
    }
    if (!changed) return
    this.candidates.sort((a, b) => compareCloseness(this.target, a.kadId, b.kadId))
    // drop the farthest candidates nobody is waiting on
    for (let i = this.candidates.length - 1; i >= 0 && this.candidates.length > this.maxCandidates; i--) {
      const candidate = this.candidates[i]!
      if (candidate.state === 'waiting' || candidate.state === 'failed') {
        this.candidates.splice(i, 1)
        // keep it in `known` so it is not added again
      }
    }
  }

  /**
   * The candidates to query now, marked in flight: the closest waiting ones,
   * up to `alpha` in flight in total. Empty when done or when enough are in
   * flight.
   */
  next(): Array<Candidate<T>> {
    if (this.isDone()) return []
    const out: Array<Candidate<T>> = []
    for (const candidate of this.candidates) {
      if (this.inFlightCount >= this.alpha) break
      if (candidate.state !== 'waiting') continue
      candidate.state = 'in-flight'
      this.inFlightCount++
      this.rpcs++
      out.push(candidate)
    }
    return out
  }

  /** `key` answered with `closer` peers. */
  succeeded(key: string, closer: Iterable<{ key: string; kadId: Uint8Array; value: T }> = []): void {
    const candidate = this.settle(key, 'succeeded')
    if (candidate == null) return
    this.add(closer, candidate.round + 1)
  }

  /** `key` did not answer. */
  failed(key: string): void {
    this.settle(key, 'failed')
  }

  /** Ends the lookup early (the value or peer was found). */
  stop(): void {
    this.stopped = true
  }

  /**
   * Convergence: the `k` closest candidates that did not fail have all
   * answered, or nothing is left to query and nothing is in flight.
   */
  isDone(): boolean {
    if (this.stopped) return true
    let answered = 0
    for (const candidate of this.candidates) {
      if (candidate.state === 'failed') continue
      if (candidate.state !== 'succeeded') return this.noWork()
      if (++answered >= this.k) return true
    }
    return this.inFlightCount === 0
  }

  /** The `count` closest candidates that answered, closest first. */
  closest(count = this.k): Array<Candidate<T>> {
    const out: Array<Candidate<T>> = []
    for (const candidate of this.candidates) {
      if (candidate.state !== 'succeeded') continue
      out.push(candidate)
      if (out.length >= count) break
    }
    return out
  }

  /** Every candidate still kept, closest first. */
  all(): ReadonlyArray<Candidate<T>> {
    return this.candidates
  }

  private noWork(): boolean {
    if (this.inFlightCount > 0) return false
    for (const candidate of this.candidates) if (candidate.state === 'waiting') return false
    return true
  }

  private settle(key: string, state: 'succeeded' | 'failed'): Candidate<T> | undefined {
    const candidate = this.known.get(key)
    if (candidate?.state !== 'in-flight') return undefined
    candidate.state = state
    this.inFlightCount--
    return candidate
  }
}
