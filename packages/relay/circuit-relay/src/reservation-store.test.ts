import { describe, expect, it } from 'vitest'
import { ReservationStore } from './reservation-store.js'

function store(
  now: { t: number },
  overrides: Partial<ConstructorParameters<typeof ReservationStore>[0]> = {},
) {
  return new ReservationStore({
    maxReservations: 2,
    reservationTtl: 1_000,
    maxCircuits: 3,
    maxCircuitsPerPeer: 2,
    now: () => now.t,
    ...overrides,
  })
}

describe('ReservationStore', () => {
  it('grants at most maxReservationsPerIp slots to peers behind one address', () => {
    const clock = { t: 0 }
    const s = store(clock, { maxReservations: 10, maxReservationsPerIp: 2 })
    expect(s.reserve('a', '10.0.0.1').ok).toBe(true)
    expect(s.reserve('b', '10.0.0.1').ok).toBe(true)
    // a third peer id from the same address is refused; another address is not
    expect(s.reserve('c', '10.0.0.1')).toEqual({ ok: false })
    expect(s.reserve('d', '10.0.0.2').ok).toBe(true)
    // a refresh of a held slot always succeeds
    expect(s.reserve('a', '10.0.0.1').ok).toBe(true)
    // the slot frees when its holder leaves or expires
    s.remove('a')
    expect(s.reserve('c', '10.0.0.1').ok).toBe(true)
    clock.t = 1_000
    expect(s.reserve('e', '10.0.0.1').ok).toBe(true)
    expect(s.reservationCount).toBe(1)
  })

  it('counts a peer that reserves again from another address under the new one', () => {
    const s = store({ t: 0 }, { maxReservations: 10, maxReservationsPerIp: 1 })
    expect(s.reserve('a', '10.0.0.1').ok).toBe(true)
    expect(s.reserve('a', '10.0.0.2').ok).toBe(true)
    expect(s.reserve('b', '10.0.0.1').ok).toBe(true)
    expect(s.reserve('c', '10.0.0.2')).toEqual({ ok: false })
  })

  it('grants up to maxReservations, refreshes existing ones, and refuses the rest', () => {
    const clock = { t: 0 }
    const s = store(clock)
    expect(s.reserve('a')).toEqual({ ok: true, expires: 1_000 })
    expect(s.reserve('b').ok).toBe(true)
    expect(s.reserve('c')).toEqual({ ok: false })
    clock.t = 500
    expect(s.reserve('a')).toEqual({ ok: true, expires: 1_500 })
    expect(s.reservationCount).toBe(2)
  })

  it('expires reservations and frees their slots', () => {
    const clock = { t: 0 }
    const s = store(clock)
    s.reserve('a')
    s.reserve('b')
    clock.t = 1_000
    expect(s.has('a')).toBe(false)
    expect(s.reserve('c').ok).toBe(true)
    expect(s.sweep()).toBe(1)
    expect(s.reservationCount).toBe(1)
  })

  it('removes a reservation on request', () => {
    const s = store({ t: 0 })
    s.reserve('a')
    expect(s.remove('a')).toBe(true)
    expect(s.has('a')).toBe(false)
    expect(s.remove('a')).toBe(false)
  })

  it('caps circuits overall and per peer, and releases them', () => {
    const s = store({ t: 0 })
    expect(s.openCircuit('a', 'x')).toBe(true)
    expect(s.openCircuit('a', 'y')).toBe(true)
    expect(s.openCircuit('a', 'z')).toBe(false) // a is in two already
    expect(s.openCircuit('b', 'x')).toBe(true)
    expect(s.openCircuit('c', 'd')).toBe(false) // three overall
    s.closeCircuit('a', 'x')
    expect(s.circuitCount).toBe(2)
    expect(s.openCircuit('c', 'd')).toBe(true)
    s.clear()
    expect(s.circuitCount).toBe(0)
  })
})
