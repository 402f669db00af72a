/**
 * DCUtR across the lab's NATs. A dialer reaches a listener through a public
 * relay; the listener then tries to upgrade: hole punching (TCP simultaneous
 * open from the relay connections' ports) succeeds between
 * endpoint-independent NATs (MASQUERADE, full cone), a public dialer is
 * dialed directly, a NATed dialer dials a public listener, a full cone's
 * listen port takes a symmetric side's plain dial, and a symmetric NAT
 * opposite a port-restricted or symmetric NAT leaves the connection relayed
 * after three rounds.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NAT_TYPES, NatLab, type NatType } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'

interface Case {
  listener: NatType
  dialer: NatType
  outcome: 'direct' | 'relay'
  method?: 'unilateral' | 'hole-punch'
  /** ms from the relayed echo to the upgrade, at most */
  withinMs?: number
}

/**
 * What each pair must end as. Direct when either side is public (the NATed
 * side dials the public one's listen address, which DCUtR's Connect offers,
 * in under a second), when either side is behind a full cone (its listen
 * port on the observed IP, offered in Connect, takes any source), or when
 * both NATs map endpoint-independently (MASQUERADE): the simultaneous open
 * then meets in both mappings. A symmetric NAT opposite a port-restricted
 * or symmetric one leaves the connection relayed: its mapping for the punch
 * is not the one the relay observed.
 */
function expected(listener: NatType, dialer: NatType): Case {
  if (dialer === 'none') return { listener, dialer, outcome: 'direct', method: 'unilateral' }
  // the NATed dialer dials the public listen address DCUtR's Connect offers,
  // within the first round
  if (listener === 'none')
    return { listener, dialer, outcome: 'direct', method: 'hole-punch', withinMs: 1_000 }
  // a full cone forwards its listen port from any source, which the
  // symmetric side dials as a plain client
  if (listener === 'full-cone' || dialer === 'full-cone')
    return { listener, dialer, outcome: 'direct', method: 'hole-punch' }
  if (listener === 'symmetric' || dialer === 'symmetric') return { listener, dialer, outcome: 'relay' }
  return { listener, dialer, outcome: 'direct', method: 'hole-punch' }
}

/** every ordered pair: the listener is reached through the relay, the dialer dials it */
const CASES: Case[] = NAT_TYPES.flatMap((listener) => NAT_TYPES.map((dialer) => expected(listener, dialer)))
const matrix: Array<{ listener: NatType; dialer: NatType; path: string; method: string; ms: number }> = []

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
        `| ${row.listener} | ${row.dialer} | ${row.path} | ${row.method} | ${row.path === 'direct' ? row.ms : '—'} |`,
    )
    console.log(
      [
        '',
        '| listener behind | dialer behind | path | method | ms to direct |',
        '|---|---|---|---|---:|',
        ...rows,
      ].join('\n'),
    )
  }
})

describe.skipIf(LAB_NOT_RUN !== '')(`DCUtR through the lab${LAB_NOT_RUN}`, () => {
  CASES.forEach((c, i) => {
    it(`listener behind ${c.listener}, dialer behind ${c.dialer}: ${c.outcome}`, {
      timeout: 60_000,
    }, async () => {
      const listener = await Agent.start(lab, lab.host(`l${i}`).namespace, HOST_AGENT, `listener-${i}`)
      const { peerId: listenerId } = await listener.request<{ peerId: string }>('start', {
        listen: ['/ip4/0.0.0.0/tcp/4001', `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`],
      })
      const dialer = await Agent.start(lab, lab.host(`d${i}`).namespace, HOST_AGENT, `dialer-${i}`)
      const { peerId: dialerId } = await dialer.request<{ peerId: string }>('start', {
        listen: ['/ip4/0.0.0.0/tcp/4001'],
      })
      const relayed = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
        addr: `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit/p2p/${listenerId}`,
        size: 1024,
      })
      expect(relayed).toMatchObject({ limited: true, echoed: true })
      const relayedAt = Date.now()

      const outcome = await listener.request<{ outcome: string; method?: string; error?: string } | null>(
        'outcome',
        { peer: dialerId, timeout: 45_000 },
        50_000,
      )
      const ms = Date.now() - relayedAt
      matrix.push({
        listener: c.listener,
        dialer: c.dialer,
        path: outcome?.outcome ?? 'none',
        method: outcome?.method ?? '—',
        ms,
      })
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ outcome: c.outcome })
      const connections =
        await dialer.request<Array<{ remotePeer: string; limited: boolean; direct: boolean }>>('connections')
      const toListener = connections.filter((connection) => connection.remotePeer === listenerId)
      if (c.outcome === 'direct') {
        if (c.method != null) expect(outcome?.method, listener.log).toBe(c.method)
        if (c.withinMs != null) expect(ms).toBeLessThan(c.withinMs)
        expect(toListener.some((connection) => connection.direct && !connection.limited)).toBe(true)
      } else {
        expect(outcome?.error).toMatch(/no direct connection|no address/)
        expect(toListener.every((connection) => connection.limited)).toBe(true)
      }
      await dialer.request('stop')
      await listener.request('stop')
    })
  })
})
