/**
 * How many dial-backs an AutoNAT server grants: at most one in flight per
 * peer, `perPeer` per peer and `total` in all per `window` ms (fixed windows),
 * remembering at most `maxPeers` peers per window. A requester can make us
 * dial its own IP only, but without a budget one peer (or many) could keep
 * the server dialing for them.
 */
import { checkInteger, checkPositive } from '@weft/utils'

export interface DialBudgetInit {
  /** dial-backs per peer per window (default 3) */
  perPeer?: number
  /** dial-backs in all per window (default 30) */
  total?: number
  /** ms (default 60 000) */
  window?: number
  /** peers counted per window; more are refused until the window ends (default 1 024) */
  maxPeers?: number
}

export class DialBudget {
  private readonly perPeer: number
  private readonly total: number
  private readonly window: number
  private readonly maxPeers: number
  private readonly used = new Map<string, number>()
  private readonly inFlight = new Set<string>()
  private spent = 0
  private windowStart = Number.NEGATIVE_INFINITY

  constructor(init: DialBudgetInit = {}) {
    this.perPeer = init.perPeer ?? 3
    this.total = init.total ?? 30
    this.window = init.window ?? 60_000
    this.maxPeers = init.maxPeers ?? 1024
    checkInteger('perPeer', this.perPeer)
    checkInteger('total', this.total)
    checkPositive('window', this.window)
  }

  /**
   * Takes one dial-back for `peer`; why not, or undefined when granted (then
   * call `release(peer)` once it is over).
   */
  take(peer: string, now = Date.now()): string | undefined {
    if (now - this.windowStart >= this.window) {
      this.windowStart = now
      this.spent = 0
      this.used.clear()
    }
    if (this.inFlight.has(peer)) return 'a dial-back for this peer is in progress'
    if (this.spent >= this.total) return `${this.total} dial-backs in this window already`
    const used = this.used.get(peer) ?? 0
    if (used >= this.perPeer) return `${this.perPeer} dial-backs for this peer in this window already`
    if (used === 0 && this.used.size >= this.maxPeers) return 'too many peers in this window'
    this.used.set(peer, used + 1)
    this.spent++
    this.inFlight.add(peer)
    return undefined
  }

  release(peer: string): void {
    this.inFlight.delete(peer)
  }

  clear(): void {
    this.used.clear()
    this.inFlight.clear()
    this.spent = 0
    this.windowStart = Number.NEGATIVE_INFINITY
  }
}
