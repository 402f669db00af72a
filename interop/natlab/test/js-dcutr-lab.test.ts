/**
 * DCUtR between weft and js-libp2p (@libp2p/dcutr 3.0.28) across the lab. A
 * public js dialer is reached directly by the weft listener's unilateral
 * upgrade. Behind NATs, js-libp2p resets weft's Connect: it counts the lab's
 * public range 198.51.100.0/24 (TEST-NET-2) as private, so it finds no
 * address to dial (and it would dial from an ephemeral port, which a
 * port-restricted NAT filters anyway). weft retries three rounds, then keeps
 * the relayed connection, which goes on working.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NatLab } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const POLYFILL = fileURLToPath(new URL('../../polyfill.mjs', import.meta.url))
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'

let lab: NatLab
let relayId: string

beforeAll(async () => {
  lab = await NatLab.create({
    l1: 'port-restricted',
    d1: 'none',
    l2: 'port-restricted',
    d2: 'port-restricted',
  })
  const relay = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'relay')
  relayId = (await relay.request<{ peerId: string }>('start', { listen: [RELAY_ADDRESS], relay: true }))
    .peerId
}, 60_000)

afterAll(async () => {
  await lab?.destroy()
})

async function jsAgent(namespace: string, label: string): Promise<Agent> {
  return Agent.start(lab, namespace, HOST_AGENT, label, { args: ['js'], nodeArgs: ['--import', POLYFILL] })
}

async function relayedPair(listenerHost: string, dialerHost: string, dialerIsJs: boolean) {
  const listener = await Agent.start(
    lab,
    lab.host(listenerHost).namespace,
    HOST_AGENT,
    `weft-${listenerHost}`,
  )
  const { peerId: listenerId } = await listener.request<{ peerId: string }>('start', {
    listen: ['/ip4/0.0.0.0/tcp/4001', `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`],
  })
  const dialer = dialerIsJs
    ? await jsAgent(lab.host(dialerHost).namespace, `js-${dialerHost}`)
    : await Agent.start(lab, lab.host(dialerHost).namespace, HOST_AGENT, `weft-${dialerHost}`)
  const { peerId: dialerId } = await dialer.request<{ peerId: string }>('start', {
    listen: ['/ip4/0.0.0.0/tcp/4001'],
  })
  const relayed = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
    addr: `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit/p2p/${listenerId}`,
    size: 1024,
  })
  expect(relayed).toMatchObject({ limited: true, echoed: true })
  return { listener, listenerId, dialer, dialerId }
}

describe.skipIf(LAB_NOT_RUN !== '')(`DCUtR between weft and js-libp2p in the lab${LAB_NOT_RUN}`, () => {
  it('a weft listener behind MASQUERADE upgrades to a public js dialer directly', {
    timeout: 60_000,
  }, async () => {
    const { listener, listenerId, dialer, dialerId } = await relayedPair('l1', 'd1', true)
    const outcome = await listener.request<{ outcome: string; method?: string } | null>(
      'outcome',
      { peer: dialerId, timeout: 30_000 },
      35_000,
    )
    expect(outcome).toMatchObject({ outcome: 'direct', method: 'unilateral' })
    const connections = await dialer.request<Array<{ remotePeer: string; limited: boolean }>>('connections')
    expect(connections.some((c) => c.remotePeer === listenerId && !c.limited)).toBe(true)
  })

  it('behind two MASQUERADE NATs, js refuses the hole punch and the circuit stays relayed', {
    timeout: 90_000,
  }, async () => {
    const { listener, listenerId, dialer, dialerId } = await relayedPair('l2', 'd2', true)
    const outcome = await listener.request<{ outcome: string; attempts: number; error?: string } | null>(
      'outcome',
      { peer: dialerId, timeout: 60_000 },
      65_000,
    )
    expect(outcome).toMatchObject({ outcome: 'relay', attempts: 3 })
    // js resets the stream: "DCUtR connect message had no dialable multiaddrs"
    expect(outcome?.error).toMatch(/reset/)
    const again = await dialer.request<{ limited: boolean; echoed: boolean }>('echo', {
      addr: `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit/p2p/${listenerId}`,
      size: 1024,
    })
    expect(again).toMatchObject({ limited: true, echoed: true })
  })
})
