/**
 * The relay's book of reservations and open circuits, pure logic with an
 * injectable clock: at most `maxReservations` peers hold a slot (a refresh of
 * an existing slot always succeeds), each slot lasts `reservationTtl` ms, and
 * circuits are capped overall and per peer.
 */

export interface ReservationStoreInit {
  maxReservations: number
  /** ms a reservation lasts */
  reservationTtl: number
  maxCircuits: number
  maxCircuitsPerPeer: number
  /** the clock (default Date.now) */
  now?: () => number
}

export type ReserveResult = { ok: true; expires: number } | { ok: false }

export class ReservationStore {
  private readonly reservations = new Map<string, number>()
  private readonly circuitsPerPeer = new Map<string, number>()
  private circuits = 0
  private readonly now: () => number

  constructor(private readonly init: ReservationStoreInit) {
    this.now = init.now ?? Date.now
  }

  get reservationCount(): number {
    return this.reservations.size
  }

  get circuitCount(): number {
    return this.circuits
  }

  /** Makes or refreshes the reservation of `peer`. */
  reserve(peer: string): ReserveResult {
    const now = this.now()
    const known = this.reservations.get(peer)
    if (known == null || known <= now) {
      if (known != null) this.reservations.delete(peer)
      if (this.reservations.size >= this.init.maxReservations) this.sweep()
      if (this.reservations.size >= this.init.maxReservations) return { ok: false }
    }
    const expires = now + this.init.reservationTtl
    this.reservations.set(peer, expires)
    return { ok: true, expires }
  }

  /** Whether `peer` holds a reservation that has not expired. */
  has(peer: string): boolean {
    const expires = this.reservations.get(peer)
    if (expires == null) return false
    if (expires <= this.now()) {
      this.reservations.delete(peer)
      return false
    }
    return true
  }

  remove(peer: string): boolean {
    return this.reservations.delete(peer)
  }

  /** Drops expired reservations; returns how many. */
  sweep(): number {
    const now = this.now()
    let removed = 0
    for (const [peer, expires] of this.reservations) {
      if (expires <= now) {
        this.reservations.delete(peer)
        removed++
      }
    }
    return removed
  }

  /** Counts a circuit between `source` and `destination`, or returns false when a cap is reached. */
  openCircuit(source: string, destination: string): boolean {
    if (this.circuits >= this.init.maxCircuits) return false
    const max = this.init.maxCircuitsPerPeer
    if ((this.circuitsPerPeer.get(source) ?? 0) >= max) return false
    if ((this.circuitsPerPeer.get(destination) ?? 0) >= max) return false
    this.circuits++
    this.bump(source, 1)
    this.bump(destination, 1)
    return true
  }

  closeCircuit(source: string, destination: string): void {
    if (this.circuits > 0) this.circuits--
    this.bump(source, -1)
    this.bump(destination, -1)
  }

  clear(): void {
    this.reservations.clear()
    this.circuitsPerPeer.clear()
    this.circuits = 0
  }

  private bump(peer: string, delta: number): void {
    const next = (this.circuitsPerPeer.get(peer) ?? 0) + delta
    if (next <= 0) this.circuitsPerPeer.delete(peer)
    else this.circuitsPerPeer.set(peer, next)
  }
}
