/**
 * AutoNAT v1 across the lab's NATs: a host on the public network learns it is
 * public; a host behind any NAT type learns it is private, because the public
 * server's dial-back is dropped (or refused) by its router.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NAT_TYPES, NatLab } from './nat-lab.js'

const HOST_AGENT = fileURLToPath(new URL('./host-agent.mjs', import.meta.url))
const SERVER_ADDRESS = '/ip4/198.51.100.1/tcp/4001'
const SERVER_QUIC_ADDRESS = '/ip4/198.51.100.1/udp/4001/quic-v1'

let lab: NatLab
let serverId: string

beforeAll(async () => {
  lab = await NatLab.create(Object.fromEntries(NAT_TYPES.map((nat) => [nat, nat])))
  const server = await Agent.start(lab, lab.publicNamespace, HOST_AGENT, 'server')
  serverId = (
    await server.request<{ peerId: string }>('start', { listen: [SERVER_ADDRESS, SERVER_QUIC_ADDRESS] })
  ).peerId
}, 60_000)

afterAll(async () => {
  await lab?.destroy()
})

describe.skipIf(LAB_NOT_RUN !== '').each(NAT_TYPES)(`a host behind %s${LAB_NOT_RUN}`, (nat) => {
  it(`learns it is ${nat === 'none' ? 'public' : 'private'}`, async () => {
    const agent = await Agent.start(lab, lab.host(nat).namespace, HOST_AGENT, `client-${nat}`)
    await agent.request('start', { listen: ['/ip4/0.0.0.0/tcp/4001'] })
    await agent.request('dial', { addr: `${SERVER_ADDRESS}/p2p/${serverId}` })
    const reachability = await agent.request<string>('reachability', { timeout: 15_000 }, 20_000)
    expect(reachability).toBe(nat === 'none' ? 'public' : 'private')
    await agent.request('stop')
  })
})

describe.skipIf(LAB_NOT_RUN !== '').each(NAT_TYPES)(
  `AutoNAT v2 for the listen port of a host behind %s${LAB_NOT_RUN}`,
  (nat) => {
    // reachable without NAT, and through the full cone's DNAT (MASQUERADE kept
    // the port); the other routers drop the dial-back
    const reachable = nat === 'none' || nat === 'full-cone'
    it(`says ${reachable ? 'reachable' : 'unreachable'}`, async () => {
      const host = lab.host(nat)
      const agent = await Agent.start(lab, host.namespace, HOST_AGENT, `v2-${nat}`)
      await agent.request('start', { listen: ['/ip4/0.0.0.0/tcp/4001'] })
      await agent.request('dial', { addr: `${SERVER_ADDRESS}/p2p/${serverId}` })
      // let the v1 check identify started finish first: weft's dialer merges
      // concurrent dials to one peer, so v1 closing its dial-back connection
      // would close v2's too
      await agent.request('reachability', { timeout: 15_000 }, 20_000)
      const result = await agent.request<{ status: string; dialStatus?: string; reachable?: boolean }>(
        'check-v2',
        { peer: serverId, addr: `/ip4/${host.publicAddress}/tcp/4001` },
        20_000,
      )
      expect(result, JSON.stringify(result)).toMatchObject({ status: 'OK', reachable })
      expect(result.dialStatus).toBe(reachable ? 'OK' : 'E_DIAL_ERROR')
      await agent.request('stop')
    })
  },
)

/**
 * Over QUIC the client reaches the server from its listening socket, the
 * socket the server would answer on: a dial-back from the server's own
 * listening socket returns along the path the client's traffic opened, which
 * a port-restricted NAT admits. The server dials back from a port of its own
 * (`portUse: 'new'`), so the port-restricted host is told the truth.
 */
describe.skipIf(LAB_NOT_RUN !== '')(`AutoNAT v2 over QUIC${LAB_NOT_RUN}`, () => {
  it.each([
    ['none', true],
    ['port-restricted', false],
  ] as const)('says a QUIC listen port behind %s is reachable: %s', async (nat, reachable) => {
    const host = lab.host(nat)
    const agent = await Agent.start(lab, host.namespace, HOST_AGENT, `v2-quic-${nat}`)
    await agent.request('start', { listen: [`/ip4/${host.address}/udp/4001/quic-v1`] })
    await agent.request('dial', { addr: `${SERVER_QUIC_ADDRESS}/p2p/${serverId}` })
    await agent.request('reachability', { timeout: 15_000 }, 20_000)
    const result = await agent.request<{ status: string; dialStatus?: string; reachable?: boolean }>(
      'check-v2',
      { peer: serverId, addr: `/ip4/${host.publicAddress}/udp/4001/quic-v1` },
      20_000,
    )
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'OK', reachable })
    await agent.request('stop')
  })
})
