/**
 * The connection ladder across every ordered pair of the lab's router types
 * (`ALL_NAT_TYPES`: none, port-restricted, full-cone, symmetric,
 * address-restricted, symmetric-sequential, udp-blocked). A listener behind
 * one type holds a reservation on the public relay; a dialer behind another
 * knows the listener's addresses (its LAN address, its listen port on the
 * router's WAN address, the circuit through the relay) and dials it by peer
 * id alone, so the host's ladder decides: direct → hole punching (DCUtR,
 * planned from both NATs' information) → relay. Both hosts listen on TCP and
 * QUIC, so DCUtR can punch over UDP and, between a randomising NAT and a
 * filtering cone or a sequential NAT, run its UDP birthday search; each
 * host also opens a QUIC connection to a public peer (`observer`), so
 * identify tells it its QUIC socket's mapping (the sequential NAT's last
 * port, which the random side aims beyond). For each pair the test
 * asserts a connection (every pair), the rung that made it, and whether and
 * when a direct connection came; after each pair both hosts stop and must
 * hold no TCP or UDP socket, server or timer.
 *
 * Each host's NAT information is what @weft/stun's `discoverNat` measures
 * behind that router type (the STUN lab's table, asserted there against
 * coturn); this lab hands it to DCUtR as the report, so it needs no STUN
 * server. A 'udp-blocked' host has no report (STUN runs over UDP). DCUtR
 * adds the report's `birthday` flag itself when it offers a QUIC address
 * its transport can probe from (both hosts here).
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
/** A public peer on QUIC that is not the relay (`observer`): see `startPair`. */
const OBSERVER_ADDRESS = '/ip4/198.51.100.1/udp/4002/quic-v1'
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

/**
 * Filtering cones and sequential NATs: a UDP birthday search over QUIC opens
 * them opposite a randomising NAT (the random side aims at the cone's one
 * port, or at the sequential NAT's next ports).
 */
const SEARCHABLE: readonly NatType[] = ['port-restricted', 'address-restricted', 'symmetric-sequential']
/** What a randomising NAT cannot meet: both random, or no UDP at all. */
const UNREACHABLE: readonly NatType[] = ['symmetric', 'udp-blocked']

interface Case {
  listener: NatType
  dialer: NatType
  path: 'direct' | 'relay'
  /** DCUtR's plan for the pair, when the test asserts it */
  strategy?: 'birthday' | 'skip'
}

/**
 * Relay when one side randomises its ports ('symmetric') and the other
 * randomises too or blocks UDP ('udp-blocked': no birthday search without
 * QUIC, no report, DCUtR's TCP rounds fail). Opposite a filtering cone or a
 * sequential NAT the birthday search makes it direct over QUIC.
 * Direct for every other pair: the listen port of a side that filters
 * nothing, a punch at the mapped ports between cone NATs, or at the
 * predicted ports of a sequential NAT.
 */
function expected(listener: NatType, dialer: NatType): Case {
  const other = listener === 'symmetric' ? dialer : dialer === 'symmetric' ? listener : undefined
  if (other != null && SEARCHABLE.includes(other))
    return { listener, dialer, path: 'direct', strategy: 'birthday' }
  if (other == null || !UNREACHABLE.includes(other)) return { listener, dialer, path: 'direct' }
  const strategy = other === 'udp-blocked' ? undefined : 'skip'
  return { listener, dialer, path: 'relay', ...(strategy == null ? {} : { strategy }) }
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
  connections: Array<{ remoteAddr: string; direct: boolean; limited: boolean }>
}
interface Outcome {
  outcome: string
  method?: string
  strategy?: string
  remoteAddr?: string
  error?: string
}

const matrix: Array<
  Case & { connected: boolean; rung: string; directMs: number | null; dialMs: number; transport: string }
> = []

let lab: NatLab
let relayId: string
let observerId: string

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
  const observer = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'observer')
  observerId = (await observer.request<{ peerId: string }>('start', { listen: [OBSERVER_ADDRESS] })).peerId
}, 600_000)

afterAll(async () => {
  await lab?.destroy()
  if (matrix.length === 0) return
  const rows = matrix.map(
    (row) =>
      `| ${row.listener} | ${row.dialer} | ${row.connected ? 'yes' : 'no'} | ${row.rung} | ${row.transport} | ${row.dialMs} | ${row.directMs ?? '—'} |`,
  )
  const direct = matrix.flatMap((row) => (row.directMs == null ? [] : [row.directMs])).sort((a, b) => a - b)
  console.log(
    [
      '',
      '| listener behind | dialer behind | connected | rung | direct over | ms to connect | ms to direct |',
      '|---|---|---|---|---|---:|---:|',
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

/**
 * TCP on every interface and, unless `tcpOnly`, QUIC on the host's own
 * address (dcutr-quic-lab.test.ts says why).
 */
const listenOn = (name: string, tcpOnly: boolean): string[] => [
  '/ip4/0.0.0.0/tcp/4001',
  ...(tcpOnly ? [] : [`/ip4/${lab.host(name).address}/udp/4001/quic-v1`]),
]

async function startPair(
  listenerName: string,
  listenerNat: NatInfo | undefined,
  dialerName: string,
  tcpOnly = false,
) {
  const [listener, dialer] = await Promise.all([
    Agent.start(lab, lab.host(listenerName).namespace, HOST_AGENT, `listener-${listenerName}`),
    Agent.start(lab, lab.host(dialerName).namespace, HOST_AGENT, `dialer-${dialerName}`),
  ])
  const [{ peerId: listenerId }, { peerId: dialerId }] = await Promise.all([
    listener.request<{ peerId: string }>('start', {
      listen: [...listenOn(listenerName, tcpOnly), `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`],
      nat: listenerNat,
    }),
    dialer.request<{ peerId: string }>('start', {
      listen: listenOn(dialerName, tcpOnly),
      nat: NAT_INFO[lab.host(dialerName).nat],
    }),
  ])
  // A QUIC connection to a public peer: identify tells each host its QUIC
  // socket's mapping (a sequential NAT's last port, which the random side of
  // a birthday search aims beyond). Not the relay's: the circuits stay on
  // TCP, whose observed port DCUtR's TCP punch plans from. Not through
  // 'udp-blocked', whose router drops UDP.
  const pair: Array<[Agent, string]> = [
    [listener, listenerName],
    [dialer, dialerName],
  ]
  const observing = tcpOnly ? [] : pair.filter(([, name]) => lab.host(name).nat !== 'udp-blocked')
  try {
    for (const [agent] of observing) {
      const connected = await agent.request<{ identified: boolean }>(
        'dial-identified',
        { addr: `${OBSERVER_ADDRESS}/p2p/${observerId}` },
        20_000,
      )
      expect(connected.identified, `${JSON.stringify(connected)}\n${agent.log}`).toBe(true)
    }
  } catch (err) {
    // no host of a failed pair keeps its reservation on the relay
    await Promise.allSettled([listener.request('stop'), dialer.request('stop')])
    throw err
  }
  return { listener, dialer, listenerId, dialerId }
}

/** The transport of the dialer's direct connection, if it holds one. */
function directTransport(result: LadderDial | undefined): string {
  const direct = result?.connections.find((connection) => connection.direct && !connection.limited)
  return direct == null ? '—' : direct.remoteAddr.includes('/quic-v1') ? 'quic-v1' : 'tcp'
}

/** Stops both hosts and checks that neither holds a TCP or UDP socket, server or timer afterwards. */
async function stopAndCheck(...agents: Agent[]): Promise<void> {
  for (const agent of agents) await agent.request('stop')
  for (const agent of agents) {
    // agent-loop.mjs adds `udp` only when UDP sockets are left
    const left = await agent.request('leftovers', { settle: 3_000 })
    expect(left, agent.log).toEqual({ sockets: 0, servers: 0, timers: 0 })
  }
}

describe.skipIf(LAB_NOT_RUN !== '')(`the connection ladder through the lab${LAB_NOT_RUN}`, () => {
  CASES.forEach((c, i) => {
    it(`listener behind ${c.listener}, dialer behind ${c.dialer}: ${c.path}`, {
      timeout: 90_000,
    }, async () => {
      const { listener, dialer, listenerId, dialerId } = await startPair(
        `l${i}`,
        NAT_INFO[c.listener],
        `d${i}`,
      )
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
          transport: directTransport(result),
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
      if (c.strategy != null) await checkPlan(c, listener, dialerId, result)
      await stopAndCheck(dialer, listener)
    })
  })

  /**
   * The listener's DCUtR planned `c.strategy`; a birthday search ended direct
   * by the hole punch. The dial itself returns on the `hole-punch` rung when
   * the search beats the ladder's `relayedWait` (2 s), else on the relayed
   * connection with the direct one following (README says how often). Over
   * QUIC, except that an address-restricted listener admits any port of an
   * address it sent to: once its probes went out, a retransmitted SYN of the
   * dialer's `direct` rung (to the listen port) may connect first.
   *
   * An address-restricted dialer can even be reached before any round: the
   * public observer's AutoNAT dial-back comes from a new port but the same IP,
   * which that filter admits, so the dialer is told it is reachable and
   * announces its QUIC address; it has sent to the listener's IP (its
   * `direct` rung), so the listener's unilateral dial there connects. The
   * outcome is then direct, `unilateral`, with no plan.
   */
  async function checkPlan(c: Case, listener: Agent, dialerId: string, result: LadderDial): Promise<void> {
    const outcome = await listener.request<Outcome | null>(
      'outcome',
      { peer: dialerId, timeout: 10_000 },
      15_000,
    )
    if (c.dialer === 'address-restricted' && outcome?.method === 'unilateral') {
      expect(outcome).toMatchObject({ outcome: c.path })
      return
    }
    expect(outcome, `${JSON.stringify(outcome)}\n${listener.log}`).toMatchObject({
      strategy: c.strategy,
      outcome: c.path,
    })
    if (c.strategy !== 'birthday') return
    expect(outcome?.method).toBe('hole-punch')
    expect(['hole-punch', 'relay'], JSON.stringify(result.rungs)).toContain(result.rung)
    const transports = c.listener === 'address-restricted' ? ['quic-v1', 'tcp'] : ['quic-v1']
    expect(transports, JSON.stringify(result.connections)).toContain(directTransport(result))
  }

  it('reaches a direct connection in a median of at most 2 s from the dial', () => {
    const direct = matrix.flatMap((row) => (row.directMs == null ? [] : [row.directMs])).sort((a, b) => a - b)
    expect(direct.length).toBe(CASES.filter((c) => c.path === 'direct').length)
    expect(direct[Math.floor(direct.length / 2)]).toBeLessThanOrEqual(2_000)
  })

  /**
   * A public listener behind a stateful firewall: new inbound TCP connections
   * (its advertised port 4001 among them) are dropped, replies to its own
   * are let in — so a punch from its side opens the way, as through a cone.
   * The hosts run TCP only, as the firewall filters TCP alone: with QUIC the
   * pair opposite 'symmetric' would be a birthday case like the matrix's.
   */
  async function firewalled(dialerName: string): Promise<LadderDial> {
    const host = lab.host('fw')
    await run('ip', [
      ...['netns', 'exec', host.namespace, 'iptables', '-A', 'INPUT', '-p', 'tcp'],
      ...['-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP'],
    ])
    const firewall: NatInfo = { mapping: EIM, filtering: APD, allocation: 'equal', delta: 0 }
    const { listener, dialer, listenerId } = await startPair('fw', firewall, dialerName, true)
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
