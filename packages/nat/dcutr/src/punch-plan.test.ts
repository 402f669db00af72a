import { describe, expect, it } from 'vitest'
import type { NatInfo } from './nat-info.js'
import { planPunch, predictedPorts } from './punch-plan.js'

const open: NatInfo = {
  mapping: 'endpoint-independent',
  filtering: 'endpoint-independent',
  allocation: 'equal',
}
const fullCone: NatInfo = {
  mapping: 'endpoint-independent',
  filtering: 'endpoint-independent',
  allocation: 'equal',
  delta: 0,
}
const addressRestricted: NatInfo = {
  mapping: 'endpoint-independent',
  filtering: 'address-dependent',
  allocation: 'equal',
}
const portRestricted: NatInfo = {
  mapping: 'endpoint-independent',
  filtering: 'address-and-port-dependent',
  allocation: 'equal',
}
const sequential: NatInfo = {
  mapping: 'address-and-port-dependent',
  filtering: 'address-and-port-dependent',
  allocation: 'independent',
  delta: 1,
}
const random: NatInfo = {
  mapping: 'address-and-port-dependent',
  filtering: 'address-and-port-dependent',
  allocation: 'random',
  delta: 0,
}
/** a public host behind a stateful firewall: no NAT, but nothing unsolicited gets in */
const firewalled: NatInfo = { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' }

const ALL = {
  open,
  fullCone,
  addressRestricted,
  portRestricted,
  sequential,
  random,
  firewalled,
  unknown: undefined,
}

describe('planPunch', () => {
  it('punches at the mapped ports between cone NATs, and when either side said nothing', () => {
    expect(planPunch(portRestricted, addressRestricted)).toEqual({ kind: 'mapped' })
    expect(planPunch(undefined, random)).toEqual({ kind: 'mapped' })
    expect(planPunch(random, {})).toEqual({ kind: 'mapped' })
  })

  it('lets a side that filters nothing be dialed at its listen port, whatever the other does', () => {
    expect(planPunch(random, fullCone)).toEqual({ kind: 'mapped' })
    expect(planPunch(open, random)).toEqual({ kind: 'mapped' })
  })

  it('predicts the ports of a sequential NAT, on the side that dials them', () => {
    expect(planPunch(portRestricted, sequential)).toMatchObject({ kind: 'predicted', predict: 'remote' })
    expect(planPunch(sequential, portRestricted)).toMatchObject({ kind: 'predicted', predict: 'local' })
    expect(planPunch(sequential, sequential, 3)).toEqual({ kind: 'predicted', predict: 'both', window: 3 })
    // a side without a report (UDP blocked: no STUN) still dials a sequential peer's predicted ports
    expect(planPunch(undefined, sequential)).toMatchObject({ kind: 'predicted', predict: 'remote' })
    expect(planPunch(sequential, undefined)).toMatchObject({ kind: 'predicted', predict: 'local' })
  })

  it('skips the punch when no TCP punch can meet: both random, or random against port filtering', () => {
    expect(planPunch(random, random)).toMatchObject({ kind: 'skip', reason: /both NATs/ })
    expect(planPunch(random, portRestricted)).toMatchObject({ kind: 'skip' })
    expect(planPunch(firewalled, random)).toMatchObject({ kind: 'skip' })
    expect(planPunch(sequential, random)).toMatchObject({ kind: 'skip' })
  })

  it('plans a birthday search for a random NAT against a filtering cone when both take part', () => {
    const on = (info: NatInfo): NatInfo => ({ ...info, birthday: true })
    expect(planPunch(on(random), on(portRestricted))).toEqual({ kind: 'birthday', role: 'sockets' })
    expect(planPunch(on(portRestricted), on(random))).toEqual({ kind: 'birthday', role: 'probes' })
    expect(planPunch(on(addressRestricted), on(random))).toEqual({ kind: 'birthday', role: 'probes' })
    expect(planPunch(on(firewalled), on(random))).toEqual({ kind: 'birthday', role: 'probes' })
    // off on either side, or both random: still no punch
    expect(planPunch(on(random), portRestricted)).toMatchObject({ kind: 'skip' })
    expect(planPunch(random, on(portRestricted))).toMatchObject({ kind: 'skip' })
    expect(planPunch(on(random), on(random))).toMatchObject({ kind: 'skip', reason: /both NATs/ })
    // a sequential side probes too: the random side aims at its next ports
    expect(planPunch(on(sequential), on(random))).toEqual({
      kind: 'birthday',
      role: 'probes',
      delta: sequential.delta,
    })
    expect(planPunch(on(random), on(sequential))).toEqual({
      kind: 'birthday',
      role: 'sockets',
      delta: sequential.delta,
    })
    expect(planPunch(sequential, on(random))).toMatchObject({ kind: 'skip' })
    // a side that filters nothing needs no search
    expect(planPunch(on(random), on(fullCone))).toEqual({ kind: 'mapped' })
  })

  it('is symmetric: both peers reach the same kind of plan from the same two reports', () => {
    const reports = Object.values(ALL).flatMap((info) =>
      info == null ? [info] : [info, { ...info, birthday: true }],
    )
    for (const a of reports) {
      for (const b of reports) {
        expect(planPunch(a, b).kind).toBe(planPunch(b, a).kind)
        const ab = planPunch(a, b)
        const ba = planPunch(b, a)
        // the two sides of a birthday search take opposite roles
        if (ab.kind === 'birthday' && ba.kind === 'birthday') {
          expect(ab.role).not.toBe(ba.role)
          expect(ab.delta).toBe(ba.delta)
        }
      }
    }
  })
})

describe('predictedPorts', () => {
  it('steps from the observed port by the delta, within the port range', () => {
    expect(predictedPorts(20_003, 1, 4)).toEqual([20_004, 20_005, 20_006, 20_007])
    expect(predictedPorts(100, -2, 3)).toEqual([98, 96, 94])
    expect(predictedPorts(65_534, 1, 3)).toEqual([65_535])
  })
})
