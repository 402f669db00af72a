/**
 * Circuit relay v2 across the lab's NATs: a weft relay on the public network;
 * a listener behind each NAT type reserves a slot and is reached through the
 * relay by a dialer behind a symmetric NAT (the hardest case), while a direct
 * dial to a NATed listener fails.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NAT_TYPES, NatLab } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))

let lab: NatLab
let relay: Agent
let relayId: string
let dialer: Agent
const RELAY_ADDRESS = '/ip4/198.51.100.1/tcp/4001'

beforeAll(async () => {
  lab = await NatLab.create({
    ...Object.fromEntries(NAT_TYPES.map((nat) => [nat, nat])),
    dialer: 'symmetric',
  })
  relay = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'relay')
  relayId = (await relay.request<{ peerId: string }>('start', { listen: [RELAY_ADDRESS], relay: true }))
    .peerId
  dialer = await Agent.start(lab, lab.host('dialer').namespace, HOST_AGENT, 'dialer')
  await dialer.request('start', { listen: ['/ip4/0.0.0.0/tcp/4001'] })
}, 60_000)

afterAll(async () => {
  await lab?.destroy()
})

describe.skipIf(LAB_NOT_RUN !== '').each(NAT_TYPES)(`a listener behind %s${LAB_NOT_RUN}`, (nat) => {
  it('reserves on the public relay and is reached through it', async () => {
    const host = lab.host(nat)
    const listener = await Agent.start(lab, host.namespace, HOST_AGENT, `listener-${nat}`)
    const { peerId, addrs } = await listener.request<{ peerId: string; addrs: string[] }>('start', {
      listen: ['/ip4/0.0.0.0/tcp/4001', `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit`],
    })
    const circuit = `${RELAY_ADDRESS}/p2p/${relayId}/p2p-circuit/p2p/${peerId}`
    expect(addrs).toContain(circuit)

    const result = await dialer.request<{
      remotePeer: string
      direct: boolean
      limited: boolean
      echoed: boolean
    }>('echo', { addr: circuit, size: 8192 })
    expect(result).toMatchObject({ remotePeer: peerId, direct: false, limited: true, echoed: true })

    // a direct dial reaches only a listener that is not behind a filtering NAT
    const direct = dialer
      .request('dial', { addr: `/ip4/${host.publicAddress}/tcp/4001/p2p/${peerId}` }, 20_000)
      .then(
        () => true,
        () => false,
      )
    expect(await direct).toBe(nat === 'none' || nat === 'full-cone')
    await listener.request('stop')
  })
})
