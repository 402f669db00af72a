/**
 * The connection ladder across every ordered pair of the lab's router types
 * (`ALL_NAT_TYPES`: none, port-restricted, full-cone, symmetric,
 * address-restricted, symmetric-sequential, udp-blocked). A listener behind
 * one type holds a reservation on the public relay; a dialer behind another
 * knows the listener's addresses (its LAN address, its listen port on the
 * router's WAN address, the circuit through the relay) and dials it by peer
 * id alone, so the host's ladder decides: direct → hole punching (DCUtR,
 * planned from both NATs' information) → relay. For each pair the test
 * asserts a connection (every pair), the rung that made it, and whether and
 * when a direct connection came; after each pair both hosts stop and must
 * hold no socket, server or timer.
 *
 * Each host's NAT information is what @weft/stun's `discoverNat` measures
 * behind that router type (the STUN lab's table, asserted there against
 * coturn); this lab hands it to DCUtR as the report, so it needs no STUN
 * server. A 'udp-blocked' host has no report (STUN runs over UDP).
 *
 * Then acceptance 3's rung part: a public listener behind a stateful
 * firewall that drops new inbound connections, its advertised port's
 * included, ends on the rung that fits (relay opposite a randomising NAT, a
 * hole punch opposite a cone), not on a timeout.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { NatInfo } from '@weft/dcutr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { ALL_NAT_TYPES, LAB_NOT_RUN, NatLab, type NatType } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'
const run = promisify(execFile)

const EIM = 'endpoint-independent'
const APD = 'address-and-port-dependent'
/** What `discoverNat` reports behind each router type (README, "The STUN lab"). */
const NAT_INFO: Record<NatType, NatInfo | undefined> = {
  none: { mapping: EIM, filtering: EIM, allocation: 'equal', delta: 0 },
  'port-restricted': { mapping: EIM, filtering: APD, allocation: 'equal', delta: 0 },
  'full-cone': { mapping: EIM, filtering: EIM, allocation: 'equal', delta: 0 },
  symmetric: { mapping: APD, filtering: APD, allocation: 'random', delta: 0 },
  'address-restricted': { mapping: EIM, filtering: 'address-dependent', allocation: 'equal', delta: 0 },
  'symmetric-sequential': { mapping: APD, filtering: APD, allocation: 'independent', delta: 1 },
  'udp-blocked': undefined,
}

/** The types a randomising NAT cannot punch through with TCP: they filter by address (and port). */
const FILTERING: readonly NatType[] = [
  'symmetric',
  'port-restricted',
  'address-restricted',
  'symmetric-sequential',
  'udp-blocked',
]

interface Case {
  listener: NatType
  dialer: NatType
  path: 'direct' | 'relay'
}

/**
 * Relay when one side randomises its ports ('symmetric') and the other
 * filters unsolicited packets: TCP has no birthday search (that needs UDP,
 * i.e. QUIC), so the punch plan skips it or, without a report on one side
 * ('udp-blocked'), DCUtR's rounds fail. Direct for every other pair: the
 * listen port of a side that filters nothing, a punch at the mapped ports
 * between cone NATs, or at the predicted ports of a sequential NAT.
 */
function expected(listener: NatType, dialer: NatType): Case {
  const random = listener === 'symmetric' ? dialer : dialer === 'symmetric' ? listener : undefined
  return { listener, dialer, path: random != null && FILTERING.includes(random) ? 'relay' : 'direct' }
}

const CASES: Case[] = ALL_NAT_TYPES.flatMap((listener) =>
  ALL_NAT_TYPES.map((dialer) => expected(listener, dialer)),
)

interface LadderDial {
  rung: string
  limited: boolean
  dialMs: number
  directMs: number | null
  rungs: Array<{ name: string; outcome: string; ms?: number }>
}
interface Leftovers {
  sockets: number
  servers: number
  timers: number
}

const matrix: Array<Case & { connected: boolean; rung: string; directMs: number | null; dialMs: number }> = []

let lab: NatLab
let relayId: string

beforeAll(async () => {
  const hosts: Record<string, NatType> = { fw: 'none', fwSym: 'symmetric', fwCone: 'port-restricted' }
  CASES.forEach((c, i) => {
    hosts[`l${i}`] = c.listener
    hosts[`d${i}`] = c.dialer
  })
  lab = await NatLab.create(hosts)
  const relay = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'relay')
  relayId = (await relay.request<{ peerId: string }>('start', { listen: [RELAY_ADDRESS], relay: true }))
    .peerId
}, 600_000)

afterAll(async () => {
  await lab?.destroy()
  if (matrix.length === 0) return
  const rows = matrix.map(
    (row) =>
      `| ${row.listener} | ${row.dialer} | ${row.connected ? 'yes' : 'no'} | ${row.rung} | ${row.dialMs} | ${row.directMs ?? '—'} |`,
  )
  const direct = matrix.flatMap((row) => (row.directMs == null ? [] : [row.directMs])).sort((a, b) => a - b)
  console.log(
    [
      '',
      '| listener behind | dialer behind | connected | rung | ms to connect | ms to direct |',
      '|---|---|---|---|---:|---:|',
      ...rows,
      '',
      `${matrix.filter((row) => row.connected).length}/${matrix.length} connected, ${direct.length} direct, median ms to direct ${direct[Math.floor(direct.length / 2)] ?? '—'}`,
    ].join('\n'),
  )
})

/** The listener's addresses as a dialer learns them: LAN, listen port on the WAN address, the circuit. */
function listenerAddresses(name: string): string[] {
  const host = lab.host(name)
  return [
    ...new Set([`/ip4/${host.address}/tcp/4001`, `/ip4/${host.publicAddress}/tcp/4001`]),
    `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`,
  ]
}

async function startPair(listenerName: string, listenerNat: NatInfo | undefined, dialerName: string) {
  const [listener, dialer] = await Promise.all([
    Agent.start(lab, lab.host(listenerName).namespace, HOST_AGENT, `listener-${listenerName}`),
    Agent.start(lab, lab.host(dialerName).namespace, HOST_AGENT, `dialer-${dialerName}`),
  ])
  const [{ peerId: listenerId }] = await Promise.all([
    listener.request<{ peerId: string }>('start', {
      listen: ['/ip4/0.0.0.0/tcp/4001', `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`],
      nat: listenerNat,
    }),
    dialer.request<{ peerId: string }>('start', {
      listen: ['/ip4/0.0.0.0/tcp/4001'],
      nat: NAT_INFO[lab.host(dialerName).nat],
    }),
  ])
  return { listener, dialer, listenerId }
}

/** Stops both hosts and checks that neither holds a socket, server or timer afterwards. */
async function stopAndCheck(...agents: Agent[]): Promise<void> {
  for (const agent of agents) await agent.request('stop')
  for (const agent of agents) {
    const left = await agent.request<Leftovers>('leftovers', { settle: 3_000 })
    expect(left, agent.log).toEqual({ sockets: 0, servers: 0, timers: 0 })
  }
}

describe.skipIf(LAB_NOT_RUN !== '')(`the connection ladder through the lab${LAB_NOT_RUN}`, () => {
  CASES.forEach((c, i) => {
    it(`listener behind ${c.listener}, dialer behind ${c.dialer}: ${c.path}`, {
      timeout: 90_000,
    }, async () => {
      const { listener, dialer, listenerId } = await startPair(`l${i}`, NAT_INFO[c.listener], `d${i}`)
      let result: LadderDial | undefined
      try {
        result = await dialer.request<LadderDial>(
          'ladder-dial',
          {
            peer: listenerId,
            addrs: listenerAddresses(`l${i}`),
            directWithin: c.path === 'direct' ? 15_000 : 0,
          },
          60_000,
        )
      } finally {
        matrix.push({
          ...c,
          connected: result != null,
          rung: result?.rung ?? '—',
          dialMs: result?.dialMs ?? -1,
          directMs: result?.directMs ?? null,
        })
      }
      expect(result.rung, JSON.stringify(result)).toBeDefined()
      if (c.path === 'direct') {
        expect(result.directMs, JSON.stringify(result)).not.toBeNull()
        expect(['direct', 'hole-punch', 'relay']).toContain(result.rung)
      } else {
        expect(result.rung, JSON.stringify(result.rungs)).toBe('relay')
        expect(result.limited).toBe(true)
        // the ladder gave up on the punch in its stated time: the dial returned well before the rung timeouts
        expect(result.dialMs).toBeLessThan(6_000)
      }
      await stopAndCheck(dialer, listener)
    })
  })

  it('reaches a direct connection in a median of at most 2 s from the dial', () => {
    const direct = matrix.flatMap((row) => (row.directMs == null ? [] : [row.directMs])).sort((a, b) => a - b)
    expect(direct.length).toBe(CASES.filter((c) => c.path === 'direct').length)
    expect(direct[Math.floor(direct.length / 2)]).toBeLessThanOrEqual(2_000)
  })

  /**
   * A public listener behind a stateful firewall: new inbound TCP connections
   * (its advertised port 4001 among them) are dropped, replies to its own
   * are let in — so a punch from its side opens the way, as through a cone.
   */
  async function firewalled(dialerName: string): Promise<LadderDial> {
    const host = lab.host('fw')
    await run('ip', [
      ...['netns', 'exec', host.namespace, 'iptables', '-A', 'INPUT', '-p', 'tcp'],
      ...['-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'],
    ])
    const firewall: NatInfo = { mapping: EIM, filtering: APD, allocation: 'equal', delta: 0 }
    const { listener, dialer, listenerId } = await startPair('fw', firewall, dialerName)
    try {
      return await dialer.request<LadderDial>(
        'ladder-dial',
        { peer: listenerId, addrs: listenerAddresses('fw'), directWithin: 10_000 },
        60_000,
      )
    } finally {
      await stopAndCheck(dialer, listener)
      await run('ip', ['netns', 'exec', host.namespace, 'iptables', '-F', 'INPUT'])
    }
  }

  it('a firewalled listener opposite a randomising NAT ends on the relay rung, not on a timeout', {
    timeout: 90_000,
  }, async () => {
    const result = await firewalled('fwSym')
    expect(result.rung, JSON.stringify(result.rungs)).toBe('relay')
    expect(result.rungs.find((rung) => rung.name === 'direct')?.outcome).toBe('aborted')
    expect(result.rungs.find((rung) => rung.name === 'hole-punch')?.outcome).toBe('failed')
    expect(result.dialMs).toBeLessThan(4_000)
  })

  it('a firewalled listener opposite a cone NAT ends direct by a hole punch', {
    timeout: 90_000,
  }, async () => {
    const result = await firewalled('fwCone')
    expect(result.directMs, JSON.stringify(result)).not.toBeNull()
  })
})
