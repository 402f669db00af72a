/**
 * DCUtR across the lab's NATs. A dialer reaches a listener through a public
 * relay; the listener then tries to upgrade: hole punching (TCP simultaneous
 * open from the relay connections' ports) succeeds between
 * endpoint-independent NATs (MASQUERADE, full cone), a public dialer is
 * dialed directly, and a symmetric NAT on either side leaves the connection
 * relayed after three rounds.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { NatLab, type NatType } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'

interface Case {
  listener: NatType
  dialer: NatType
  outcome: 'direct' | 'relay'
  method?: 'unilateral' | 'hole-punch'
}

const CASES: Case[] = [
  { listener: 'port-restricted', dialer: 'port-restricted', outcome: 'direct', method: 'hole-punch' },
  { listener: 'full-cone', dialer: 'port-restricted', outcome: 'direct', method: 'hole-punch' },
  { listener: 'port-restricted', dialer: 'none', outcome: 'direct', method: 'unilateral' },
  { listener: 'port-restricted', dialer: 'symmetric', outcome: 'relay' },
  { listener: 'symmetric', dialer: 'symmetric', outcome: 'relay' },
]

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
})

describe('DCUtR through the lab', () => {
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

      const outcome = await listener.request<{ outcome: string; method?: string; error?: string } | null>(
        'outcome',
        { peer: dialerId, timeout: 45_000 },
        50_000,
      )
      expect(outcome, JSON.stringify(outcome)).toMatchObject({ outcome: c.outcome })
      const connections =
        await dialer.request<Array<{ remotePeer: string; limited: boolean; direct: boolean }>>('connections')
      const toListener = connections.filter((connection) => connection.remotePeer === listenerId)
      if (c.outcome === 'direct') {
        expect(outcome?.method, listener.log).toBe(c.method)
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
