/**
 * Port mapping against a real gateway: miniupnpd (Debian's build) on a lab
 * router. weft maps a TCP and a UDP port over UPnP IGD v2 and v1 (the router
 * advertising each in turn), PCP and NAT-PMP; a host on the public side
 * connects in through each mapping; stopping the mapper leaves miniupnpd's
 * nftables chains empty. An IPv6 pinhole opens and closes through
 * WANIPv6FirewallControl:1.
 */
import { fileURLToPath } from 'node:url'
import { notRunReason } from '@weft/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Agent } from './agent.js'
import { LAB_NOT_RUN, NatLab } from './nat-lab.js'
import {
  HOST_ADDRESS,
  HOST_ADDRESS6,
  type MiniupnpdOptions,
  ROUTER_LAN6,
  ROUTER_WAN,
  UpnpRouter,
} from './upnp-router.js'

const AGENT = fileURLToPath(new URL('./port-mapping-agent.mjs', import.meta.url))
const NOT_RUN = LAB_NOT_RUN !== '' ? LAB_NOT_RUN : notRunReason(['miniupnpd', 'nft'])
const PORT = 4101

interface Mapped {
  protocol: string
  mappings: Array<{
    protocol: 'tcp' | 'udp'
    internalAddress: string
    externalAddress: string
    externalPort: number
    via: string
  }>
}

interface Received {
  transport: string
  data: string
}

let lab: NatLab
let router: UpnpRouter
let host: Agent
let outside: Agent

beforeAll(async () => {
  if (NOT_RUN !== '') return
  lab = await NatLab.create({})
  router = await UpnpRouter.create(lab)
  host = await Agent.start(lab, router.host, AGENT, 'host', { args: ['host'] })
  await host.request('listen', { port: PORT, family: 6 })
  outside = await Agent.start(lab, lab.publicNamespace, AGENT, 'outside', { args: ['outside'] })
}, 60_000)

afterAll(async () => {
  await router?.destroy()
  await lab?.destroy()
})

async function arrived(data: string): Promise<Received | undefined> {
  for (let i = 0; i < 30; i++) {
    const received = await host.request<Received[]>('received')
    const found = received.find((entry) => entry.data === data)
    if (found != null) return found
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return undefined
}

const CASES: Array<{
  name: string
  daemon: MiniupnpdOptions
  protocols: string[]
  via: string
  igd?: 1 | 2
}> = [
  {
    name: 'UPnP IGD v2',
    daemon: { igdV1: false, upnp: true, natPmp: false },
    protocols: ['upnp'],
    via: 'upnp',
    igd: 2,
  },
  {
    name: 'UPnP IGD v1',
    daemon: { igdV1: true, upnp: true, natPmp: false },
    protocols: ['upnp'],
    via: 'upnp',
    igd: 1,
  },
  { name: 'PCP', daemon: { igdV1: false, upnp: false, natPmp: true }, protocols: ['pcp'], via: 'pcp' },
  {
    name: 'NAT-PMP',
    daemon: { igdV1: false, upnp: false, natPmp: true },
    protocols: ['nat-pmp'],
    via: 'nat-pmp',
  },
]

describe.skipIf(NOT_RUN !== '').each(CASES)(`port mapping over $name against miniupnpd${NOT_RUN}`, (c) => {
  it('maps TCP and UDP, an outside host reaches both, and stop removes every rule', async () => {
    await router.startDaemon(c.daemon)
    try {
      if (c.igd != null) {
        const igd = await host.request<{
          version: number
          deviceType: string
          connection: string
          firewall: string | null
        }>('igd', { ssdp: { timeout: 3_000 } }, 10_000)
        expect(igd.deviceType).toBe(`urn:schemas-upnp-org:device:InternetGatewayDevice:${c.igd}`)
        expect(igd.connection).toBe(`urn:schemas-upnp-org:service:WANIPConnection:${c.igd}`)
        expect(igd.version).toBe(c.igd)
      }
      const mapped = await host.request<Mapped>(
        'map',
        {
          protocols: c.protocols,
          ssdp: { timeout: 3_000 },
          mappings: [
            { protocol: 'tcp', port: PORT },
            { protocol: 'udp', port: PORT },
          ],
        },
        30_000,
      )
      expect(mapped.protocol).toBe(c.via)
      for (const mapping of mapped.mappings) {
        expect(mapping).toMatchObject({
          via: c.via,
          internalAddress: HOST_ADDRESS,
          externalAddress: ROUTER_WAN,
        })
      }
      const [tcp, udp] = mapped.mappings
      const rules = await router.rules()
      expect(rules.filter((rule) => rule.includes('dnat'))).toHaveLength(2)

      const tcpData = `tcp through ${c.name}`
      expect(
        await outside.request('connect', { host: ROUTER_WAN, port: tcp!.externalPort, data: tcpData }),
      ).toBe('ok')
      expect(await arrived(tcpData)).toMatchObject({ transport: 'tcp' })
      const udpData = `udp through ${c.name}`
      await outside.request('send', { host: ROUTER_WAN, port: udp!.externalPort, data: udpData })
      expect(await arrived(udpData)).toMatchObject({ transport: 'udp' })

      await host.request('stopMapper', {}, 20_000)
      expect(await router.rules()).toEqual([])
      await expect(
        outside.request('connect', {
          host: ROUTER_WAN,
          port: tcp!.externalPort,
          data: 'after stop',
          timeout: 1_500,
        }),
      ).rejects.toThrow()
    } finally {
      await router.stopDaemon()
    }
  }, 60_000)
})

describe.skipIf(NOT_RUN !== '')(`an IPv6 pinhole through miniupnpd${NOT_RUN}`, () => {
  it('opens and closes on WANIPv6FirewallControl:1, and only then lets an outside host in', async () => {
    await router.startDaemon({ igdV1: false, upnp: true, natPmp: false })
    try {
      const igd = await host.request<{ firewall: string | null }>(
        'igd',
        { ssdp: { address: ROUTER_LAN6, timeout: 3_000 } },
        10_000,
      )
      expect(igd.firewall).toBe('urn:schemas-upnp-org:service:WANIPv6FirewallControl:1')
      await expect(
        outside.request('connect', {
          host: HOST_ADDRESS6,
          port: PORT,
          data: 'before pinhole',
          timeout: 1_500,
        }),
      ).rejects.toThrow()

      const pinhole = await host.request<{ id: number }>(
        'pinhole',
        {
          ssdp: { address: ROUTER_LAN6, timeout: 3_000 },
          protocol: 'tcp',
          address: HOST_ADDRESS6,
          port: PORT,
        },
        15_000,
      )
      expect(router.log).toContain('WANIPv6FirewallControl:1#AddPinhole')
      const rules = await router.rules()
      expect(rules).toHaveLength(1)
      expect(rules[0]).toContain('inet filter miniupnpd')
      expect(rules[0]).toContain('0xfd770009000000000000000000000002')
      expect(
        await outside.request('connect', {
          host: HOST_ADDRESS6,
          port: PORT,
          data: 'tcp through the pinhole',
        }),
      ).toBe('ok')
      expect(await arrived('tcp through the pinhole')).toMatchObject({ transport: 'tcp' })

      await host.request('closePinhole', { pinhole }, 15_000)
      expect(router.log).toContain('WANIPv6FirewallControl:1#DeletePinhole')
      expect(await router.rules()).toEqual([])
      await expect(
        outside.request('connect', { host: HOST_ADDRESS6, port: PORT, data: 'after close', timeout: 1_500 }),
      ).rejects.toThrow()
    } finally {
      await host.request('stopMapper', {}, 20_000)
      await router.stopDaemon()
    }
  }, 60_000)
})
