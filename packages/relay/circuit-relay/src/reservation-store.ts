/**
 * The relay's book of reservations and open circuits, pure logic with an
 * injectable clock: at most `maxReservations` peers hold a slot (a refresh of
 * an existing slot always succeeds), each slot lasts `reservationTtl` ms, and
 * circuits are capped overall and per peer. Peers behind one address share
 * `maxReservationsPerIp` slots, so one host cannot take every slot with
 * fresh peer ids.
 */

export interface ReservationStoreInit {
  maxReservations: number
  /** reservations held by peers behind one address (default: maxReservations) */
  maxReservationsPerIp?: number
  /** ms a reservation lasts */
  reservationTtl: number
  maxCircuits: number
  maxCircuitsPerPeer: number
  /** the clock (default Date.now) */
  now?: () => number
}

export type ReserveResult = { ok: true; expires: number } | { ok: false }

interface Held {
  expires: number
  /** the address the reservation was made from, when known */
  ip?: string
}

export class ReservationStore {
  private readonly reservations = new Map<string, Held>()
  private readonly perIp = new Map<string, number>()
  private readonly circuitsPerPeer = new Map<string, number>()
  private circuits = 0
  private readonly now: () => number
  /** reservations held behind one address */
  private readonly maxPerIp: number

  constructor(private readonly init: ReservationStoreInit) {
    this.now = init.now ?? Date.now
    this.maxPerIp = init.maxReservationsPerIp ?? init.maxReservations
  }

  get reservationCount(): number {
    return this.reservations.size
  }

  get circuitCount(): number {
    return this.circuits
  }

  /** Makes or refreshes the reservation of `peer`, made from address `ip` when known. */
  reserve(peer: string, ip?: string): ReserveResult {
    const now = this.now()
    const known = this.reservations.get(peer)
    if (known != null && (known.expires <= now || known.ip !== ip)) {
      // expired, or the peer came back from another address: count it afresh
      this.delete(peer)
    }
    if (!this.reservations.has(peer)) {
      if (this.reservations.size >= this.init.maxReservations) this.sweep()
      if (this.reservations.size >= this.init.maxReservations) return { ok: false }
      if (ip != null && (this.perIp.get(ip) ?? 0) >= this.maxPerIp) {
        this.sweep()
        if ((this.perIp.get(ip) ?? 0) >= this.maxPerIp) return { ok: false }
      }
      if (ip != null) this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1)
    }
    const expires = now + this.init.reservationTtl
    this.reservations.set(peer, { expires, ip })
    return { ok: true, expires }
  }

  /** Whether `peer` holds a reservation that has not expired. */
  has(peer: string): boolean {
    const held = this.reservations.get(peer)
    if (held == null) return false
    if (held.expires <= this.now()) {
      this.delete(peer)
      return false
    }
    return true
  }

  remove(peer: string): boolean {
    return this.delete(peer)
  }

  /** Drops expired reservations; returns how many. */
  sweep(): number {
    const now = this.now()
    let removed = 0
    for (const [peer, held] of this.reservations) {
      if (held.expires <= now) {
        this.delete(peer)
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
    this.perIp.clear()
    this.circuitsPerPeer.clear()
    this.circuits = 0
  }

  private delete(peer: string): boolean {
    const held = this.reservations.get(peer)
    if (held == null) return false
    this.reservations.delete(peer)
    if (held.ip != null) {
      const left = (this.perIp.get(held.ip) ?? 0) - 1
      if (left <= 0) this.perIp.delete(held.ip)
      else this.perIp.set(held.ip, left)
    }
    return true
  }

  private bump(peer: string, delta: number): void {
    const next = (this.circuitsPerPeer.get(peer) ?? 0) + delta
    if (next <= 0) this.circuitsPerPeer.delete(peer)
    else this.circuitsPerPeer.set(peer, next)
  }
}
