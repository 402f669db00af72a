/**
 * Reachability from AutoNAT votes (autonat/autonat-v1.md "AutoNAT Protocol":
 * several peers reporting success mean public, several reporting failure mean
 * private). Pure logic: the latest vote of each server peer is kept, at most
 * `window` peers; `threshold` agreeing votes that outnumber the others decide.
 */

export type Reachability = 'unknown' | 'public' | 'private'

export interface ReachabilityTrackerInit {
  /** agreeing votes needed to decide (default 3) */
  threshold?: number
  /** distinct server peers remembered (default 8) */
  window?: number
}

export class ReachabilityTracker {
  private readonly votes = new Map<string, boolean>()
  private readonly threshold: number
  private readonly window: number

  constructor(init: ReachabilityTrackerInit = {}) {
    this.threshold = Math.max(1, init.threshold ?? 3)
    this.window = Math.max(this.threshold, init.window ?? 8)
  }

  /** Records that `server` could (true) or could not (false) dial us back; returns the new status. */
  vote(server: string, reachable: boolean): Reachability {
    this.votes.delete(server)
    this.votes.set(server, reachable)
    while (this.votes.size > this.window) {
      const oldest = this.votes.keys().next().value as string
      this.votes.delete(oldest)
    }
    return this.status
  }

  /** Forgets everything (e.g. after our addresses changed). */
  reset(): void {
    this.votes.clear()
  }

  get status(): Reachability {
    let yes = 0
    let no = 0
    for (const vote of this.votes.values()) {
      if (vote) yes++
      else no++
    }
    if (yes >= this.threshold && yes > no) return 'public'
    if (no >= this.threshold && no > yes) return 'private'
    return 'unknown'
  }
}
