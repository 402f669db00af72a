/**
 * AutoNAT v2's verdict per address (autonat/autonat-v2.md: a client learns
 * reachability per address and should not trust one server's word), apart
 * from I/O. Each address keeps the last `window` results, one per server (a
 * newer result from the same server replaces its older one), and is called
 * reachable or unreachable once the agreeing results outnumber the others by
 * `threshold`: that margin is its confidence. Addresses are bounded: the one
 * updated longest ago goes first.
 */

export type AddressReachability = 'unknown' | 'reachable' | 'unreachable'

export interface AddressVerdict {
  reachability: AddressReachability
  /** agreeing results minus disagreeing ones among those kept (0 with none) */
  confidence: number
  /** results kept, one per server */
  results: number
}

export interface AddressConfidenceInit {
  /** agreeing results, net of disagreeing ones, that decide (default 3) */
  threshold?: number
  /** recent results kept per address, from distinct servers (default 5) */
  window?: number
  /** addresses tracked (default 64) */
  maxAddresses?: number
}

const UNKNOWN: AddressVerdict = { reachability: 'unknown', confidence: 0, results: 0 }

export class AddressConfidence {
  /** address → server → result, oldest first in both */
  private readonly results = new Map<string, Map<string, boolean>>()
  private readonly threshold: number
  private readonly window: number
  private readonly maxAddresses: number

  constructor(init: AddressConfidenceInit = {}) {
    this.threshold = init.threshold ?? 3
    this.window = init.window ?? 5
    this.maxAddresses = init.maxAddresses ?? 64
    if (!Number.isInteger(this.threshold) || this.threshold < 1)
      throw new RangeError(`threshold must be an integer ≥ 1, got ${this.threshold}`)
    if (!Number.isInteger(this.window) || this.window < this.threshold)
      throw new RangeError(`window must be an integer ≥ threshold (${this.threshold}), got ${this.window}`)
    if (!Number.isInteger(this.maxAddresses) || this.maxAddresses < 1)
      throw new RangeError(`maxAddresses must be an integer ≥ 1, got ${this.maxAddresses}`)
  }

  /**
   * Records `server`'s verdict on `address`; the address's verdict after it,
   * and whether its reachability changed.
   */
  record(address: string, server: string, reachable: boolean): AddressVerdict & { changed: boolean } {
    const before = this.verdict(address).reachability
    let results = this.results.get(address)
    if (results == null) {
      results = new Map()
      if (this.results.size >= this.maxAddresses) {
        const oldest = this.results.keys().next().value
        if (oldest != null) this.results.delete(oldest)
      }
    } else {
      // most recently updated last
      this.results.delete(address)
    }
    this.results.set(address, results)
    results.delete(server)
    results.set(server, reachable)
    while (results.size > this.window) results.delete(results.keys().next().value!)
    const after = this.verdict(address)
    return { ...after, changed: after.reachability !== before }
  }

  /** The verdict on `address`. */
  verdict(address: string): AddressVerdict {
    const results = this.results.get(address)
    if (results == null) return UNKNOWN
    let yes = 0
    for (const reachable of results.values()) if (reachable) yes++
    const no = results.size - yes
    const confidence = Math.abs(yes - no)
    const reachability: AddressReachability =
      confidence < this.threshold ? 'unknown' : yes > no ? 'reachable' : 'unreachable'
    return { reachability, confidence, results: results.size }
  }

  /** Every tracked address with its verdict. */
  entries(): Array<[string, AddressVerdict]> {
    return [...this.results.keys()].map((address) => [address, this.verdict(address)])
  }

  clear(): void {
    this.results.clear()
  }
}
