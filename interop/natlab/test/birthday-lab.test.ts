/**
 * The UDP birthday search through the lab: a host behind `symmetric`
 * (MASQUERADE --random-fully: a random port per destination, filtered by
 * address and port) and one behind a filtering cone (`port-restricted`,
 * `address-restricted`) or a sequential NAT (`symmetric-sequential`), each
 * order. Both hosts listen on TCP and QUIC; the dialer reaches the listener
 * through the public relay (over TCP) and the listener's DCUtR upgrades the
 * relayed connection. Each host also opens a QUIC connection to a public
 * peer (not the relay), so identify tells it its QUIC socket's mapping. With both NAT reports (the
 * STUN lab's table) the punch plan picks the birthday search: the symmetric
 * side opens 256 sockets towards the cone's QUIC port (or towards each of
 * the sequential NAT's next 128 ports), the other side probes random ports
 * on the symmetric side's IP from its QUIC listening socket, and the
 * symmetric side dials QUIC from the socket a probe reached to the port it
 * came from. Each pair must end direct over QUIC, and both hosts hold no TCP
 * or UDP socket and no timer after they stop. The control pair, symmetric ↔
 * symmetric (both random), stays relayed with the plan `skip`.
 */
import { fileURLToPath } from 'node:url'
import type { NatInfo } from '@weft/dcutr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NatLab, type NatType } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const BIRTHDAY_AGENT = fileURLToPath(new URL('./birthday-agent.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'
/** A public peer on QUIC that is not the relay: the circuits stay on TCP. */
const OBSERVER_ADDRESS = '/ip4/198.51.100.1/udp/4002/quic-v1'

const EIM = 'endpoint-independent'
const APD = 'address-and-port-dependent'
/** What `discoverNat` reports behind each router type (README, "The STUN lab"). */
const NAT_INFO: Partial<Record<NatType, NatInfo>> = {
  'port-restricted': { mapping: EIM, filtering: APD, allocation: 'equal', delta: 0 },
  symmetric: { mapping: APD, filtering: APD, allocation: 'random', delta: 0 },
  'address-restricted': { mapping: EIM, filtering: 'address-dependent', allocation: 'equal', delta: 0 },
  'symmetric-sequential': { mapping: APD, filtering: APD, allocation: 'independent', delta: 1 },
}

interface Case {
  listener: NatType
  dialer: NatType
  outcome: 'direct' | 'relay'
  strategy: 'birthday' | 'skip'
}

const CASES: Case[] = [
  { listener: 'symmetric', dialer: 'port-restricted', outcome: 'direct', strategy: 'birthday' },
  { listener: 'port-restricted', dialer: 'symmetric', outcome: 'direct', strategy: 'birthday' },
  { listener: 'symmetric', dialer: 'address-restricted', outcome: 'direct', strategy: 'birthday' },
  { listener: 'address-restricted', dialer: 'symmetric', outcome: 'direct', strategy: 'birthday' },
  { listener: 'symmetric', dialer: 'symmetric-sequential', outcome: 'direct', strategy: 'birthday' },
  { listener: 'symmetric-sequential', dialer: 'symmetric', outcome: 'direct', strategy: 'birthday' },
  { listener: 'symmetric', dialer: 'symmetric', outcome: 'relay', strategy: 'skip' },
]

/** TCP on every interface, QUIC on the host's own address (dcutr-quic-lab.test.ts says why). */
const listenOn = (address: string): string[] => ['/ip4/0.0.0.0/tcp/4001', `/ip4/${address}/udp/4001/quic-v1`]

interface Outcome {
  outcome: string
  method?: string
  strategy?: string
  attempts: number
  remoteAddr?: string
  error?: string
}
interface ConnectionInfo {
  remotePeer: string
  remoteAddr: string
  limited: boolean
  direct: boolean
}

const matrix: Array<Case & { path: string; plan: string; transport: string; ms: number | null }> = []
let lab: NatLab
let relayId: string
let observerId: string

beforeAll(async () => {
  const hosts: Record<string, NatType> = {}
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
}, 120_000)

afterAll(async () => {
  await lab?.destroy()
  if (matrix.length === 0) return
  console.log(
    [
      '',
      '| listener behind | dialer behind | plan | path | transport | ms to direct |',
      '| --- | --- | --- | --- | --- | ---: |',
      ...matrix.map(
        (row) =>
          `| ${row.listener} | ${row.dialer} | ${row.plan} | ${row.path} | ${row.transport} | ${row.ms ?? '—'} |`,
      ),
    ].join('\n'),
  )
})

/** The agent's direct connections with `peer`, waiting up to 3 s for one (the QUIC server upgrades a round trip later). */
async function directWith(agent: Agent, peer: string): Promise<ConnectionInfo[]> {
  const deadline = Date.now() + 3_000
  while (true) {
    const direct = (await agent.request<ConnectionInfo[]>('connections')).filter(
      (connection) => connection.remotePeer === peer && connection.direct && !connection.limited,
    )
    if (direct.length > 0 || Date.now() > deadline) return direct
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe.skipIf(LAB_NOT_RUN !== '')(`the UDP birthday search through the lab${LAB_NOT_RUN}`, () => {
  CASES.forEach((c, i) => {
    it(`listener behind ${c.listener}, dialer behind ${c.dialer}: ${c.outcome} (${c.strategy})`, {
      timeout: 90_000,
    }, async () => {
      const listener = await Agent.start(lab, lab.host(`l${i}`).namespace, BIRTHDAY_AGENT, `listener-${i}`)
      const dialer = await Agent.start(lab, lab.host(`d${i}`).namespace, BIRTHDAY_AGENT, `dialer-${i}`)
      const { peerId: listenerId } = await listener.request<{ peerId: string }>('start', {
        listen: [...listenOn(lab.host(`l${i}`).address), `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`],
        nat: NAT_INFO[c.listener],
      })
      const { peerId: dialerId } = await dialer.request<{ peerId: string }>('start', {
        listen: listenOn(lab.host(`d${i}`).address),
        nat: NAT_INFO[c.dialer],
      })
      for (const agent of [listener, dialer]) {
        const connected = await agent.request<{ identified: boolean }>(
          'dial-identified',
          { addr: `${OBSERVER_ADDRESS}/p2p/${observerId}` },
          20_000,
        )
        expect(connected.identified, `${JSON.stringify(connected)}\n${agent.log}`).toBe(true)
      }
      const relayed = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
        addr: `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit/p2p/${listenerId}`,
        size: 1024,
      })
      expect(relayed).toMatchObject({ limited: true, echoed: true })
      const relayedAt = Date.now()
      const outcome = await listener.request<Outcome | null>(
        'outcome',
        { peer: dialerId, timeout: 45_000 },
        50_000,
      )
      const ms = Date.now() - relayedAt
      const direct = c.outcome === 'direct' ? await directWith(dialer, listenerId) : []
      matrix.push({
        ...c,
        path: outcome?.outcome ?? 'none',
        plan: outcome?.strategy ?? '—',
        transport: outcome?.remoteAddr?.includes('/quic-v1') === true ? 'quic-v1' : '—',
        ms: outcome?.outcome === 'direct' ? ms : null,
      })
      try {
        expect(outcome, `${JSON.stringify(outcome)}\n${listener.log}`).toMatchObject({
          outcome: c.outcome,
          strategy: c.strategy,
        })
        if (c.outcome === 'direct') {
          expect(outcome?.method).toBe('hole-punch')
          expect(outcome?.remoteAddr).toContain('/quic-v1')
          expect(direct.map((connection) => connection.remoteAddr).join(' ')).toContain('/quic-v1')
        } else {
          expect(outcome?.attempts).toBe(1)
        }
      } finally {
        await dialer.request('stop')
        await listener.request('stop')
      }
      for (const agent of [dialer, listener]) {
        const left = await agent.request('leftovers', { settle: 3_000 })
        expect(left, agent.log).toEqual({ tcp: 0, udp: 0, timers: 0 })
      }
    })
  })
})
