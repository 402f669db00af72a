import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { defaultLogger, LightEventTarget } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DoubleNatError,
  GatewayNotFoundError,
  GatewayTimeoutError,
  PortMapperStoppedError,
} from '../src/errors.js'
import { PortMapper, type PortMapperInit } from '../src/mapper.js'
import { NatPmpClient } from '../src/nat-pmp.js'
import { PcpClient } from '../src/pcp.js'
import { portMapping } from '../src/service.js'
import { FakeIgd } from './fake-igd.js'
import { FakePmp } from './fake-pmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function pmp(init: ConstructorParameters<typeof Object>[0] = {}): Promise<FakePmp> {
  const fake = await FakePmp.start(init)
  cleanups.push(() => fake.stop())
  return fake
}

async function upnp(version: 1 | 2, externalAddress?: string): Promise<FakeIgd> {
  const fake = await FakeIgd.start({ version, externalAddress })
  cleanups.push(() => fake.stop())
  return fake
}

function mapper(init: PortMapperInit): PortMapper {
  const made = new PortMapper({ internalAddress: '127.0.0.1', ...init })
  cleanups.push(() => made.stop().catch(() => {}))
  return made
}

const fast = { initialTimeout: 50, tries: 3 }

describe('NAT-PMP client', () => {
  it('gets the external address and maps and unmaps UDP and TCP', async () => {
    const fake = await pmp()
    const client = new NatPmpClient({ gateway: '127.0.0.1', port: fake.port, ...fast })
    expect((await client.externalAddress()).externalAddress).toBe('203.0.113.9')
    const answer = await client.map('udp', 4001, 4001, 600)
    expect(answer).toMatchObject({ internalPort: 4001, externalPort: 24001, lifetime: 600, epoch: 1000 })
    await client.map('tcp', 4001, 4001, 600)
    expect([...fake.mappings.keys()].sort()).toEqual(['TCP/4001', 'UDP/4001'])
    await client.unmap('udp', 4001)
    await client.unmap('tcp', 4001)
    expect(fake.mappings.size).toBe(0)
  })

  it('retransmits on the doubling schedule until an answer comes', async () => {
    const fake = await pmp({ drop: 2 })
    const client = new NatPmpClient({ gateway: '127.0.0.1', port: fake.port, initialTimeout: 40, tries: 9 })
    await client.externalAddress()
    expect(fake.received).toHaveLength(3)
    const gaps = fake.received.slice(1).map((packet, i) => packet.at - fake.received[i]!.at)
    expect(gaps[0]).toBeGreaterThanOrEqual(35)
    expect(gaps[1]).toBeGreaterThanOrEqual(75)
  })

  it('gives up after the last try with GatewayTimeoutError', async () => {
    const fake = await pmp({ natPmp: false })
    const client = new NatPmpClient({ gateway: '127.0.0.1', port: fake.port, initialTimeout: 20, tries: 4 })
    const started = Date.now()
    await expect(client.externalAddress()).rejects.toThrow(GatewayTimeoutError)
    expect(fake.received).toHaveLength(4)
    expect(Date.now() - started).toBeGreaterThanOrEqual(20 + 40 + 80 + 160 - 10)
  })
})

describe('PCP client', () => {
  it('maps with a nonce and deletes with the same nonce', async () => {
    const fake = await pmp()
    const client = new PcpClient({ gateway: '127.0.0.1', port: fake.port, ...fast })
    const answer = await client.map({
      protocol: 'tcp',
      internalPort: 4001,
      externalPort: 4001,
      lifetime: 600,
      clientAddress: '127.0.0.1',
    })
    expect(answer).toMatchObject({ externalPort: 14001, externalAddress: '203.0.113.9', lifetime: 600 })
    await client.map({
      protocol: 'tcp',
      internalPort: 4001,
      externalPort: 0,
      lifetime: 0,
      clientAddress: '127.0.0.1',
      nonce: answer.nonce,
    })
    expect(fake.mappings.size).toBe(0)
  })

  it('reports a NAT-PMP-only gateway as UnsupportedVersionError', async () => {
    const fake = await pmp({ pcp: false })
    const client = new PcpClient({ gateway: '127.0.0.1', port: fake.port, ...fast })
    await expect(
      client.map({
        protocol: 'udp',
        internalPort: 1,
        externalPort: 1,
        lifetime: 60,
        clientAddress: '127.0.0.1',
      }),
    ).rejects.toMatchObject({ name: 'UnsupportedVersionError', serverVersion: 0 })
  })
})

describe('PortMapper', () => {
  it('maps over UPnP first and removes every mapping on stop', async () => {
    const igd = await upnp(2)
    const ports = mapper({
      ssdp: { address: '127.0.0.1', port: igd.ssdpPort },
      protocols: ['upnp', 'nat-pmp'],
      gateway: '127.0.0.1',
    })
    const tcp = await ports.map({ protocol: 'tcp', internalPort: 4001 })
    const udp = await ports.map({ protocol: 'udp', internalPort: 4001 })
    expect(tcp).toMatchObject({
      via: 'upnp',
      externalAddress: '203.0.113.7',
      externalPort: 4001,
      lifetime: 3600,
    })
    expect(udp.via).toBe('upnp')
    expect(ports.protocol).toBe('upnp')
    expect(igd.mappings.size).toBe(2)
    await ports.stop()
    expect(igd.mappings.size).toBe(0)
    await expect(ports.map({ protocol: 'tcp', internalPort: 1 })).rejects.toThrow(PortMapperStoppedError)
  })

  it('falls back from PCP to NAT-PMP on a version mismatch', async () => {
    const fake = await pmp({ pcp: false })
    const ports = mapper({
      protocols: ['pcp'],
      gateway: '127.0.0.1',
      pcp: { port: fake.port, ...fast },
      natPmp: { port: fake.port, ...fast },
    })
    const mapped = await ports.map({ protocol: 'udp', internalPort: 4001 })
    expect(mapped).toMatchObject({ via: 'nat-pmp', externalPort: 24001 })
    expect(ports.protocol).toBe('nat-pmp')
    await ports.stop()
    expect(fake.mappings.size).toBe(0)
  })

  it('takes the next protocol in order when a gateway is silent', async () => {
    const silent = await pmp({ pcp: false, natPmp: false })
    const igd = await upnp(1)
    const ports = mapper({
      protocols: ['pcp', 'upnp'],
      gateway: '127.0.0.1',
      pcp: { port: silent.port, initialTimeout: 20, tries: 2 },
      ssdp: { address: '127.0.0.1', port: igd.ssdpPort },
    })
    expect((await ports.map({ protocol: 'tcp', internalPort: 4002 })).via).toBe('upnp')
  })

  it('reports no gateway at all as GatewayNotFoundError', async () => {
    const silent = await pmp({ pcp: false, natPmp: false })
    const ports = mapper({
      protocols: ['nat-pmp'],
      gateway: '127.0.0.1',
      natPmp: { port: silent.port, initialTimeout: 10, tries: 2 },
    })
    await expect(ports.map({ protocol: 'tcp', internalPort: 4002 })).rejects.toThrow(GatewayNotFoundError)
  })

  it('renews a lease before it ends', async () => {
    const fake = await pmp({ maxLifetime: 2 })
    const ports = mapper({ protocols: ['pcp'], gateway: '127.0.0.1', pcp: { port: fake.port, ...fast } })
    await ports.map({ protocol: 'udp', internalPort: 4001 })
    const before = fake.received.length
    await new Promise((resolve) => setTimeout(resolve, 1_300))
    expect(fake.received.length).toBe(before + 1)
    expect(fake.mappings.get('UDP/4001')?.lifetime).toBe(2)
  })

  it('maps everything again when the gateway restarts (epoch)', async () => {
    const fake = await pmp({ maxLifetime: 2 })
    const ports = mapper({
      protocols: ['nat-pmp'],
      gateway: '127.0.0.1',
      natPmp: { port: fake.port, ...fast },
    })
    await ports.map({ protocol: 'udp', internalPort: 4001 })
    await ports.map({ protocol: 'tcp', internalPort: 4001 })
    const restarted = new Promise((resolve) =>
      ports.addEventListener('gateway:restart', resolve, { once: true }),
    )
    fake.reboot()
    await restarted
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect([...fake.mappings.keys()].sort()).toEqual(['TCP/4001', 'UDP/4001'])
  })

  it('refuses a private external address as double NAT and removes the mapping', async () => {
    const igd = await upnp(1, '100.64.0.5')
    const ports = mapper({ ssdp: { address: '127.0.0.1', port: igd.ssdpPort }, protocols: ['upnp'] })
    const events: string[] = []
    ports.addEventListener('double-nat', (evt) => events.push(evt.detail))
    await expect(ports.map({ protocol: 'tcp', internalPort: 4001 })).rejects.toThrow(DoubleNatError)
    expect(events).toEqual(['100.64.0.5'])
    expect(igd.mappings.size).toBe(0)
  })

  it('leaves no timer or socket behind after stop', async () => {
    const fake = await pmp({ maxLifetime: 60 })
    const handles = (): string[] =>
      process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'UDPWrap')
    // sockets of earlier tests let go of their handles first
    await new Promise((resolve) => setTimeout(resolve, 50))
    const before = handles().length
    const ports = mapper({
      protocols: ['nat-pmp'],
      gateway: '127.0.0.1',
      natPmp: { port: fake.port, ...fast },
    })
    await ports.map({ protocol: 'udp', internalPort: 4001 })
    await ports.map({ protocol: 'tcp', internalPort: 4001 })
    expect(handles().length).toBeGreaterThan(before)
    await ports.stop()
    // socket.close() lets go of its handle on the next turns of the loop
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(handles().length).toBeLessThanOrEqual(before)
    expect(fake.mappings.size).toBe(0)
  })

  it('reports a gateway port nobody listens on as GatewayNotFoundError', async () => {
    const fake = await pmp()
    const port = fake.port
    await fake.stop()
    cleanups.pop()
    const client = new NatPmpClient({ gateway: '127.0.0.1', port, ...fast })
    await expect(client.externalAddress()).rejects.toThrow(GatewayNotFoundError)
  })

  it('opens and closes IPv6 pinholes through the IGD, closing them on stop', async () => {
    const igd = await upnp(2)
    const ports = mapper({ ssdp: { address: '127.0.0.1', port: igd.ssdpPort }, protocols: ['upnp'] })
    const first = await ports.openPinhole({
      protocol: 'tcp',
      internalClient: 'fd00::2',
      internalPort: 4001,
      lease: 100_000,
    })
    expect(first.lease).toBe(86_400)
    await ports.openPinhole({ protocol: 'udp', internalClient: 'fd00::2', internalPort: 4001 })
    expect(igd.pinholes.size).toBe(2)
    await ports.closePinhole(first)
    expect(igd.pinholes.size).toBe(1)
    await ports.stop()
    expect(igd.pinholes.size).toBe(0)
  })
})

describe('the host service', () => {
  class Events extends LightEventTarget<Record<string, CustomEvent>> {}

  it('maps listen ports, reports mapped addresses as observed and confirms them with the hook', async () => {
    const igd = await upnp(2)
    const events = new Events()
    let listen: Multiaddr[] = [
      multiaddr('/ip4/127.0.0.1/tcp/4001'),
      multiaddr('/ip4/192.0.2.10/tcp/4001'),
      multiaddr('/ip4/192.0.2.10/udp/4001/quic-v1'),
    ]
    const observed = new Set<string>()
    const confirmed = new Set<string>()
    const service = portMapping({
      internalAddress: '127.0.0.1',
      ssdp: { address: '127.0.0.1', port: igd.ssdpPort },
      protocols: ['upnp'],
      confirm: async (address) => address.toString().includes('/tcp/'),
    })({
      logger: defaultLogger(),
      events: events as never,
      addressManager: {
        getListenAddrs: () => listen,
        addObservedAddr: (address) => observed.add(address.toString()),
        confirmObservedAddr: (address) => confirmed.add(address.toString()),
        removeObservedAddr: (address) => {
          observed.delete(address.toString())
          confirmed.delete(address.toString())
        },
      },
    })
    service.start()
    service.afterStart()
    await service.settled()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(service.getMappedAddresses().map(String).sort()).toEqual([
      '/ip4/203.0.113.7/tcp/4001',
      '/ip4/203.0.113.7/udp/4001/quic-v1',
    ])
    expect([...observed].sort()).toEqual(['/ip4/203.0.113.7/tcp/4001', '/ip4/203.0.113.7/udp/4001/quic-v1'])
    expect([...confirmed]).toEqual(['/ip4/203.0.113.7/tcp/4001'])
    listen = [multiaddr('/ip4/192.0.2.10/tcp/4001')]
    events.safeDispatchEvent('transport:close', {})
    await service.settled()
    expect(service.getMappedAddresses().map(String)).toEqual(['/ip4/203.0.113.7/tcp/4001'])
    expect([...igd.mappings.keys()]).toEqual(['TCP/4001'])
    await service.stop()
    expect(igd.mappings.size).toBe(0)
    expect(observed.size).toBe(0)
  })
})
