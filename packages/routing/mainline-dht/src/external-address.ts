/**
 * BEP42's `ip` field as a vote: responders say what address they see us at,
 * and an address is adopted once enough distinct responders agree. The tally
 * is bounded (candidate addresses and voters per address).
 */
const VOTES_NEEDED = 3
const MAX_CANDIDATES = 64

export class ExternalAddressVotes {
  private readonly votes = new Map<string, Set<string>>()

  constructor(public external?: string) {}

  /** Counts `voter`'s view of our address; true when that makes it our external address. */
  vote(address: string, voter: string): boolean {
    if (this.external === address) return false
    if (!this.votes.has(address) && this.votes.size >= MAX_CANDIDATES) this.votes.clear()
    const voters = this.votes.get(address) ?? new Set<string>()
    if (voters.size < VOTES_NEEDED) voters.add(voter)
    this.votes.set(address, voters)
    if (voters.size < VOTES_NEEDED) return false
    this.external = address
    this.votes.clear()
    return true
  }
}
