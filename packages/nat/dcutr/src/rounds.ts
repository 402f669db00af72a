/**
 * The responding side's bookkeeping (A in relay/DCUtR.md), apart from I/O:
 * which peers have a hole punch in progress (one per peer, each cancellable
 * by the round that replaces it), how many rounds each relayed connection
 * has had (at most `attempts`), and whether a new request is answered at
 * all. Every map is bounded.
 */

export interface RoundsInit {
  /** rounds answered per relayed connection */
  attempts: number
  /** hole punches answered at once */
  maxConcurrent: number
  /** relayed connections remembered */
  maxConnections: number
}

export class Rounds {
  /** remote peer → the round in progress, to cancel it when the peer starts a new one */
  private readonly inProgress = new Map<string, AbortController>()
  /** relayed connection id → rounds answered on it */
  private readonly answered = new Map<string, number>()

  constructor(private readonly init: RoundsInit) {}

  /** Whether a hole punch with `peer` is being answered. */
  has(peer: string): boolean {
    return this.inProgress.has(peer)
  }

  /** Why a request from `peer` on connection `connectionId` is refused, or undefined to answer it. */
  refusal(peer: string, connectionId: string): string | undefined {
    if (!this.inProgress.has(peer) && this.inProgress.size >= this.init.maxConcurrent) {
      return `${this.inProgress.size} hole punches in progress`
    }
    if ((this.answered.get(connectionId) ?? 0) >= this.init.attempts) {
      return `no more than ${this.init.attempts} rounds per connection`
    }
    if (!this.answered.has(connectionId) && this.answered.size >= this.init.maxConnections) {
      return 'too many relayed connections with rounds in progress'
    }
    return undefined
  }

  /** Starts answering `peer`, cancelling its round in progress with `reason`. */
  begin(peer: string, reason: Error): AbortController {
    this.inProgress.get(peer)?.abort(reason)
    const round = new AbortController()
    this.inProgress.set(peer, round)
    return round
  }

  /** `round` with `peer` is over (unless a newer one replaced it). */
  end(peer: string, round: AbortController): void {
    if (this.inProgress.get(peer) === round) this.inProgress.delete(peer)
  }

  /** Counts one more round on `connectionId`; false when it had all its rounds. */
  count(connectionId: string): boolean {
    const rounds = this.answered.get(connectionId) ?? 0
    if (rounds >= this.init.attempts) return false
    this.answered.set(connectionId, rounds + 1)
    return true
  }

  /** The relayed connection closed: its rounds are forgotten. */
  forget(connectionId: string): void {
    this.answered.delete(connectionId)
  }

  /** Cancels every round in progress and forgets everything. */
  clear(reason: Error): void {
    for (const round of this.inProgress.values()) round.abort(reason)
    this.inProgress.clear()
    this.answered.clear()
  }
}
