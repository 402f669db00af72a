/**
 * DCUtR over QUIC across the lab's NATs. As in dcutr-lab.test.ts, a dialer
 * reaches a listener through the public relay (over TCP) and the listener
 * upgrades the relayed connection; here both hosts listen on TCP and QUIC
 * (port 4001 each). DCUtR offers the QUIC listening socket's address (its
 * port on the IP the relay observed) beside the TCP ones, dials QUIC from
 * the listening socket, and starts its TCP dials `quicHeadStart` later, so
 * wherever a UDP punch can work the connection ends direct over QUIC: both
 * NATs endpoint-independent (port-restricted, full cone), or either side
 * public or behind a full cone (its QUIC port takes any source). A symmetric
 * NAT opposite a port-restricted or symmetric one stays relayed. The matrix
 * printed at the end says which transport won for each pair.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NAT_TYPES, NatLab, type NatType } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'
/**
 * TCP on every interface, QUIC on the host's own address: @weft/quic's
 * listener reports a wildcard address as it is (0.0.0.0), which identify
 * would announce and DCUtR would drop as unroutable.
 */
function listenOn(address: string): string[] {
  return ['/ip4/0.0.0.0/tcp/4001', `/ip4/${address}/udp/4001/quic-v1`]
}

type Transport = 'quic-v1' | 'tcp'

interface Case {
  listener: NatType
  dialer: NatType
  outcome: 'direct' | 'relay'
  method?: 'unilateral' | 'hole-punch'
  transport?: Transport
}

/**
 * What each pair must end as: relayed when a symmetric NAT (a new port per
 * destination) faces one that filters by address and port, or another
 * symmetric one; otherwise direct over QUIC, by the listener's unilateral
 * dial when the dialer is public, else by the hole punch round.
 */
function expected(listener: NatType, dialer: NatType): Case {
  const filtering = (type: NatType): boolean => type === 'port-restricted' || type === 'symmetric'
  if ((listener === 'symmetric' && filtering(dialer)) || (dialer === 'symmetric' && filtering(listener))) {
    return { listener, dialer, outcome: 'relay' }
  }
  const method = dialer === 'none' ? 'unilateral' : 'hole-punch'
  return { listener, dialer, outcome: 'direct', method, transport: 'quic-v1' }
}

function transportOf(address: string | undefined): Transport | undefined {
  if (address == null) return undefined
  if (address.includes('/quic-v1')) return 'quic-v1'
  return address.includes('/tcp/') ? 'tcp' : undefined
}

interface ConnectionInfo {
  remotePeer: string
  remoteAddr: string
  limited: boolean
  direct: boolean
}

/**
 * The agent's connections with `peer`; with `direct`, waiting up to 3 s for a
 * direct one: the QUIC server (here the dialer, when the listener dialed it)
 * completes its handshake, then upgrades, a round trip after the client has.
 */
async function connectionsWith(agent: Agent, peer: string, direct: boolean): Promise<ConnectionInfo[]> {
  const deadline = Date.now() + 3_000
  while (true) {
    const connections = (await agent.request<ConnectionInfo[]>('connections')).filter(
      (connection) => connection.remotePeer === peer,
    )
    const found = connections.some((connection) => connection.direct && !connection.limited)
    if (!direct || found || Date.now() > deadline) return connections
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** every ordered pair: the listener is reached through the relay, the dialer dials it */
const CASES: Case[] = NAT_TYPES.flatMap((listener) => NAT_TYPES.map((dialer) => expected(listener, dialer)))

interface Row {
  listener: NatType
  dialer: NatType
  path: string
  method: string
  transport: string
  /** transports of the dialer's direct connections with the listener at the end */
  held: string
  ms: number
}
const matrix: Row[] = []

let lab: NatLab
let relayId: string

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
}, 60_000)

afterAll(async () => {
  await lab?.destroy()
  if (matrix.length > 0) {
    const rows = matrix.map(
      (row) =>
        `| ${row.listener} | ${row.dialer} | ${row.path} | ${row.method} | ${row.transport} | ${row.held} | ${row.path === 'direct' ? row.ms : '—'} |`,
    )
    console.log(
      [
        '',
        '| listener behind | dialer behind | path | method | transport | dialer holds | ms to direct |',
        '|---|---|---|---|---|---|---:|',
        ...rows,
      ].join('\n'),
    )
  }
})

describe.skipIf(LAB_NOT_RUN !== '')(`DCUtR over QUIC through the lab${LAB_NOT_RUN}`, () => {
  CASES.forEach((c, i) => {
    it(`listener behind ${c.listener}, dialer behind ${c.dialer}: ${c.outcome}${c.transport == null ? '' : ` over ${c.transport}`}`, {
      timeout: 60_000,
    }, async () => {
      const listener = await Agent.start(lab, lab.host(`l${i}`).namespace, HOST_AGENT, `listener-${i}`)
      const { peerId: listenerId } = await listener.request<{ peerId: string }>('start', {
        listen: [...listenOn(lab.host(`l${i}`).address), `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`],
      })
      const dialer = await Agent.start(lab, lab.host(`d${i}`).namespace, HOST_AGENT, `dialer-${i}`)
      const { peerId: dialerId } = await dialer.request<{ peerId: string }>('start', {
        listen: listenOn(lab.host(`d${i}`).address),
      })
      const relayed = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
        addr: `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit/p2p/${listenerId}`,
        size: 1024,
      })
      expect(relayed).toMatchObject({ limited: true, echoed: true })
      const relayedAt = Date.now()

      const outcome = await listener.request<{
        outcome: string
        method?: string
        remoteAddr?: string
        error?: string
      } | null>('outcome', { peer: dialerId, timeout: 45_000 }, 50_000)
      const ms = Date.now() - relayedAt
      const toListener = await connectionsWith(dialer, listenerId, c.outcome === 'direct')
      const held = toListener
        .filter((connection) => connection.direct && !connection.limited)
        .map((connection) => transportOf(connection.remoteAddr) ?? connection.remoteAddr)
      matrix.push({
        listener: c.listener,
        dialer: c.dialer,
        path: outcome?.outcome ?? 'none',
        method: outcome?.method ?? '—',
        transport: transportOf(outcome?.remoteAddr) ?? '—',
        held: held.length === 0 ? '—' : [...new Set(held)].join(', '),
        ms,
      })
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ outcome: c.outcome })
      if (c.outcome === 'direct') {
        expect(outcome?.method, listener.log).toBe(c.method)
        expect(transportOf(outcome?.remoteAddr), `${outcome?.remoteAddr}\n${listener.log}`).toBe(c.transport)
        expect(held, JSON.stringify(toListener)).toContain(c.transport)
      } else {
        expect(outcome?.error).toMatch(/no direct connection|no address/)
        expect(toListener.every((connection) => connection.limited)).toBe(true)
      }
      await dialer.request('stop')
      await listener.request('stop')
    })
  })
})
