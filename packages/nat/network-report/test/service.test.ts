import type { Libp2pEvents, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { DiscoveryOptions, NatReport } from '@weft/stun'
import { defaultLogger, LightEventTarget } from '@weft/utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  type InterfaceTable,
  type NetworkReportInit,
  NetworkReportService,
  type ReportChange,
  ServiceStoppedError,
} from '../src/index.js'
import {
  FakeAutoNAT,
  FakeAutoNATv2,
  FakePortMapping,
  fakeOpenClient,
  info,
  laptop,
  PORT_RESTRICTED,
  scriptedDiscover,
} from './fixtures.js'

const STUN = [{ host: '203.0.113.9', port: 3478 }]
const services: NetworkReportService[] = []

afterEach(async () => {
  await Promise.all(services.splice(0).map(async (service) => service.stop()))
  vi.useRealTimers()
})

function hostBus(): TypedEventTarget<Libp2pEvents> & EventTarget {
  return new LightEventTarget() as unknown as TypedEventTarget<Libp2pEvents> & EventTarget
}

function fakeAddressManager() {
  const confirmed = new Set<string>()
  const calls: string[] = []
  return {
    confirmed,
    calls,
    addObservedAddr: (a: Multiaddr) => calls.push(`add ${a}`),
    confirmObservedAddr: (a: Multiaddr) => {
      calls.push(`confirm ${a}`)
      confirmed.add(a.toString())
    },
    removeObservedAddr: (a: Multiaddr) => {
      calls.push(`remove ${a}`)
      confirmed.delete(a.toString())
    },
  }
}

function make(init: NetworkReportInit, events = hostBus(), addressManager = fakeAddressManager()) {
  const service = new NetworkReportService({ logger: defaultLogger(), events, addressManager }, init)
  services.push(service)
  const changes: ReportChange[] = []
  service.addEventListener('change', (evt) => changes.push(evt.detail))
  return { service, events, addressManager, changes }
}

async function start(service: NetworkReportService): Promise<void> {
  service.start()
  service.afterStart()
}

/** The next change of `part` after which every NAT entry is measured (or unconfigured). */
function nextChange(service: NetworkReportService, part: string, timeout = 5_000): Promise<ReportChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${part}' change in ${timeout} ms`)), timeout)
    const listener = (evt: CustomEvent<ReportChange>): void => {
      if (!evt.detail.parts.includes(part as never)) return
      if (evt.detail.report.nat.some((entry) => entry.status === 'pending')) return
      clearTimeout(timer)
      service.removeEventListener('change', listener)
      resolve(evt.detail)
    }
    service.addEventListener('change', listener)
  })
}

describe('NetworkReportService', () => {
  it('reports interfaces at start and the NAT once measured', async () => {
    const { discover } = scriptedDiscover({ '203.0.113.9:3478': PORT_RESTRICTED })
    const { service } = make({
      networkInterfaces: laptop,
      discover,
      openClient: fakeOpenClient().openClient,
      stunServers: STUN,
    })
    const measured = nextChange(service, 'nat')
    await start(service)
    expect(service.getReport().interfaces.map((e) => e.name)).toEqual(['wlan0', 'tun0', 'lo'])
    const { report } = await measured
    expect(report.nat.map((e) => [e.interface, e.family, e.classic])).toEqual([
      ['wlan0', 6, 'unknown'],
      ['tun0', 6, 'unknown'],
      ['wlan0', 4, 'port-restricted'],
    ])
    expect(service.getReport()).toEqual(report)
  })

  it("fires 'change' when an address is added, and measures a new routable interface", async () => {
    const table: InterfaceTable = { lo: [info('127.0.0.1')], eth0: [info('10.0.0.2')] }
    const { discover, calls } = scriptedDiscover({ '203.0.113.9:3478': PORT_RESTRICTED })
    const { service } = make({
      networkInterfaces: () => structuredClone(table),
      interfacePollInterval: 100,
      discover,
      openClient: fakeOpenClient().openClient,
      stunServers: STUN,
    })
    const first = nextChange(service, 'nat')
    await start(service)
    await first
    expect(calls).toHaveLength(1)
    table.eth0 = [info('10.0.0.2'), info('10.0.0.3')]
    const added = await nextChange(service, 'interfaces')
    expect(added.report.interfaces[0]!.addresses.map((a) => a.address)).toEqual(['10.0.0.2', '10.0.0.3'])
    // same routable address per interface: no new probe needed
    expect(calls).toHaveLength(1)
    table.eth1 = [info('192.168.7.2')]
    const remeasured = nextChange(service, 'nat')
    const { report } = await remeasured
    expect(report.nat.map((e) => [e.interface, e.classic])).toEqual([
      ['eth0', 'port-restricted'],
      ['eth1', 'port-restricted'],
    ])
  })

  it('follows port mapping and AutoNAT found among the services, and the host reachability event', async () => {
    const portMapping = new FakePortMapping()
    const autonatV2 = new FakeAutoNATv2()
    const { service, events } = make({
      networkInterfaces: laptop,
      services: () => ({ identify: {}, portMapping, autonatV2 }),
    })
    await start(service)
    expect(service.getReport().portMapping).toEqual({ present: true, addresses: [] })
    const mapped = nextChange(service, 'portMapping')
    portMapping.set(['/ip4/198.51.100.7/tcp/4001'])
    expect((await mapped).report.portMapping.addresses).toEqual(['/ip4/198.51.100.7/tcp/4001'])
    const perAddress = nextChange(service, 'reachability')
    autonatV2.set('/ip4/198.51.100.7/tcp/4001', 'reachable', 3)
    expect((await perAddress).report.reachability.addresses).toEqual([
      { address: '/ip4/198.51.100.7/tcp/4001', reachability: 'reachable', confidence: 3 },
    ])
    const verdict = nextChange(service, 'reachability')
    events.dispatchEvent(new CustomEvent('weft:reachability', { detail: 'public' }))
    expect((await verdict).report.reachability.host).toBe('public')
  })

  it('takes AutoNAT v1 from a wired service over the host event, and attach() wires later', async () => {
    const { service } = make({ networkInterfaces: laptop })
    await start(service)
    expect(service.getReport().portMapping.present).toBe(false)
    const autonat = new FakeAutoNAT()
    service.attach({ autonat })
    const changed = nextChange(service, 'reachability')
    autonat.set('private')
    expect((await changed).report.reachability.host).toBe('private')
  })

  it("advertise 'mapped' confirms mapped addresses, withdraws unreachable ones, and removes all on stop", async () => {
    const portMapping = new FakePortMapping()
    const autonatV2 = new FakeAutoNATv2()
    const { service, addressManager } = make({
      networkInterfaces: laptop,
      portMapping: () => portMapping,
      autonatV2,
      advertise: 'mapped',
    })
    await start(service)
    portMapping.set(['/ip4/198.51.100.7/tcp/4001', '/ip4/198.51.100.7/udp/4001'])
    autonatV2.set('/ip4/10.0.0.2/tcp/4001', 'reachable')
    expect([...addressManager.confirmed].sort()).toEqual([
      '/ip4/10.0.0.2/tcp/4001',
      '/ip4/198.51.100.7/tcp/4001',
      '/ip4/198.51.100.7/udp/4001',
    ])
    autonatV2.set('/ip4/198.51.100.7/udp/4001', 'unreachable')
    expect([...addressManager.confirmed].sort()).toEqual([
      '/ip4/10.0.0.2/tcp/4001',
      '/ip4/198.51.100.7/tcp/4001',
    ])
    await service.stop()
    expect(addressManager.confirmed.size).toBe(0)
  })

  it("advertise 'confirmed' confirms only what AutoNAT v2 reached", async () => {
    const portMapping = new FakePortMapping()
    const autonatV2 = new FakeAutoNATv2()
    const { service, addressManager } = make({
      networkInterfaces: laptop,
      portMapping,
      autonatV2,
      advertise: 'confirmed',
    })
    await start(service)
    portMapping.set(['/ip4/198.51.100.7/tcp/4001'])
    expect(addressManager.confirmed.size).toBe(0)
    autonatV2.set('/ip4/198.51.100.7/tcp/4001', 'reachable')
    expect([...addressManager.confirmed]).toEqual(['/ip4/198.51.100.7/tcp/4001'])
    expect(addressManager.calls).toEqual([
      'add /ip4/198.51.100.7/tcp/4001',
      'confirm /ip4/198.51.100.7/tcp/4001',
    ])
  })

  it('re-checks on its timers, tells of no change when nothing changed, and leaves no timer after stop', async () => {
    vi.useFakeTimers()
    const { discover, calls } = scriptedDiscover({ '203.0.113.9:3478': PORT_RESTRICTED })
    const { service, changes } = make({
      networkInterfaces: laptop,
      interfacePollInterval: 1_000,
      natRecheckInterval: 5_000,
      discover,
      openClient: fakeOpenClient().openClient,
      stunServers: STUN,
    })
    await start(service)
    await vi.advanceTimersByTimeAsync(0)
    expect(calls).toHaveLength(1)
    const seen = changes.length
    await vi.advanceTimersByTimeAsync(12_000)
    expect(calls).toHaveLength(3) // at 5 s and 10 s
    expect(changes).toHaveLength(seen)
    expect(vi.getTimerCount()).toBe(2) // one poll, one re-check
    await service.stop()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls).toHaveLength(3)
  })

  it('aborts a measurement in flight on stop, and tells nothing after', async () => {
    let signal: AbortSignal | undefined
    const discover = (options: DiscoveryOptions): Promise<NatReport> => {
      signal = options.signal
      return new Promise((_, reject) =>
        options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true }),
      )
    }
    const { service, changes } = make({
      networkInterfaces: laptop,
      discover,
      openClient: fakeOpenClient().openClient,
      stunServers: STUN,
    })
    await start(service)
    await new Promise((resolve) => setTimeout(resolve, 10))
    const before = changes.length
    await service.stop()
    expect(signal?.aborted).toBe(true)
    expect(changes).toHaveLength(before)
    expect(service.isStarted()).toBe(false)
  })

  it('refresh() measures now, and throws ServiceStoppedError when stopped', async () => {
    const { discover, calls } = scriptedDiscover({ '203.0.113.9:3478': PORT_RESTRICTED })
    const { service } = make({
      networkInterfaces: laptop,
      discover,
      openClient: fakeOpenClient().openClient,
      stunServers: STUN,
    })
    await expect(service.refresh()).rejects.toBeInstanceOf(ServiceStoppedError)
    await start(service)
    const report = await service.refresh()
    expect(report.nat.find((e) => e.family === 4)?.classic).toBe('port-restricted')
    expect(calls.length).toBeGreaterThanOrEqual(2)
    await expect(service.refresh({ signal: AbortSignal.abort(new Error('caller gave up')) })).rejects.toThrow(
      'caller gave up',
    )
    await service.stop()
    await expect(service.refresh()).rejects.toMatchObject({ name: 'ServiceStoppedError' })
  })

  it('rejects bad options', () => {
    const components = { logger: defaultLogger(), events: hostBus() }
    expect(() => new NetworkReportService(components, { interfacePollInterval: 10 })).toThrow(RangeError)
    expect(() => new NetworkReportService(components, { natRecheckInterval: 0 })).toThrow(RangeError)
    expect(() => new NetworkReportService(components, { advertise: 'all' as never })).toThrow(TypeError)
    expect(() => new NetworkReportService(components, { advertise: 'mapped' })).toThrow(/addressManager/)
    expect(() => new NetworkReportService(components, { turnServers: [{ host: 'x', port: 1 }] })).toThrow(
      TypeError,
    )
  })
})
