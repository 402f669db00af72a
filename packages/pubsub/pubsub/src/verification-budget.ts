/**
 * How many signature verifications each peer may cost us per window (for
 * gossipsub, per heartbeat). A signature check is the one step of receiving a
 * message whose cost does not shrink with the bytes sent (about 0.1 ms for
 * Ed25519, synchronous), so it is rationed per sender: messages over the
 * budget are dropped unverified and left unseen, so a later copy from
 * another peer, or through IHAVE/IWANT, still gets through.
 */
import type { Clock } from './seen-cache.js'

export interface VerificationBudgetInit {
  /** verifications per peer per window */
  limit: number
  /** window length in ms */
  window: number
  now: Clock
}

interface Usage {
  windowStart: number
  used: number
  /** messages dropped over budget in this window */
  dropped: number
}

export type BudgetDecision =
  /** within budget: verify */
  | 'ok'
  /** over budget: drop */
  | 'drop'
  /** over budget: drop, and the drop crossed a multiple of `limit` (penalise once per such step) */
  | 'drop-and-penalise'

export class VerificationBudget {
  private readonly usage = new Map<string, Usage>()
  readonly limit: number
  readonly window: number
  private readonly now: Clock

  constructor(init: VerificationBudgetInit) {
    if (!(Number.isInteger(init.limit) && init.limit > 0))
      throw new RangeError(`the verification budget must be a positive integer, got ${init.limit}`)
    if (!(init.window > 0)) throw new RangeError(`the budget window must be positive, got ${init.window}`)
    this.limit = init.limit
    this.window = init.window
    this.now = init.now
  }

  /** Whether `peer` has verifications left in the current window (nothing is taken). */
  available(peer: string): boolean {
    return this.current(peer).used < this.limit
  }

  /** Takes one verification for `peer`, or records a drop when none is left. */
  take(peer: string): BudgetDecision {
    const usage = this.current(peer)
    if (usage.used < this.limit) {
      usage.used++
      return 'ok'
    }
    // the first drop of a window is penalised, then one more per further `limit` drops
    const penalise = usage.dropped % this.limit === 0
    usage.dropped++
    return penalise ? 'drop-and-penalise' : 'drop'
  }

  remove(peer: string): void {
    this.usage.delete(peer)
  }

  clear(): void {
    this.usage.clear()
  }

  private current(peer: string): Usage {
    const now = this.now()
    let usage = this.usage.get(peer)
    if (usage == null) {
      usage = { windowStart: now, used: 0, dropped: 0 }
      this.usage.set(peer, usage)
    } else if (now - usage.windowStart >= this.window) {
      usage.windowStart = now
      usage.used = 0
      usage.dropped = 0
    }
    return usage
  }
}
