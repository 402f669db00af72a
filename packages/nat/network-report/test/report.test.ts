import { TransactionTimeoutError } from '@weft/stun'
import { describe, expect, it } from 'vitest'
import { getNetworkReport, NatProbeError, renderText, SCHEMA } from '../src/index.js'
import {
  FakeAutoNAT,
  FakeAutoNATv2,
  FakePortMapping,
  fakeOpenClient,
  laptop,
  OPEN_V6,
  PORT_RESTRICTED,
  scriptedDiscover,
} from './fixtures.js'

describe('getNetworkReport', () => {
  it('without STUN servers reports NAT unknown and contacts nobody', async () => {
    const { discover, calls } = scriptedDiscover({})
    const { openClient, opened } = fakeOpenClient()
    const report = await getNetworkReport({ networkInterfaces: laptop, discover, openClient })
    expect(report.schema).toBe(SCHEMA)
    expect(report.nat.map((e) => [e.interface, e.family, e.status, e.classic])).toEqual([
      ['wlan0', 6, 'unconfigured', 'unknown'],
      ['tun0', 6, 'unconfigured', 'unknown'],
      ['wlan0', 4, 'unconfigured', 'unknown'],
    ])
    expect(calls).toHaveLength(0)
    expect(opened).toHaveLength(0)
    expect(report.turn).toEqual([])
    expect(report.portMapping).toEqual({ present: false, addresses: [] })
    expect(report.reachability).toEqual({ host: 'unknown', perAddressPresent: false, addresses: [] })
  })

  it('probes each interface and family from its own address, on servers of that family', async () => {
    const { discover, calls } = scriptedDiscover({
      '203.0.113.9:3478': PORT_RESTRICTED,
      '2001:db8::20>2001:db8::99:3478': OPEN_V6,
    })
    const { openClient, opened } = fakeOpenClient()
    const report = await getNetworkReport({
      networkInterfaces: laptop,
      discover,
      openClient,
      allocationSamples: 3,
      stunServers: [
        { host: '203.0.113.9', port: 3478 },
        { host: '2001:db8::99', port: 3478 },
      ],
    })
    const [wlan6, tun6, wlan4] = report.nat
    expect(wlan6).toMatchObject({
      interface: 'wlan0',
      family: 6,
      localAddress: '2001:db8::20',
      status: 'measured',
      classic: 'open',
      natted: false,
      mappedAddress: '[2001:db8::20]:40001',
      server: '[2001:db8::99]:3478',
    })
    // the ULA's path is silent: UDP blocked there
    expect(tun6).toMatchObject({ interface: 'tun0', status: 'measured', classic: 'blocked' })
    expect(wlan4).toMatchObject({
      interface: 'wlan0',
      family: 4,
      classic: 'port-restricted',
      mapping: 'endpoint-independent',
      filtering: 'address-and-port-dependent',
      allocation: 'equal',
      delta: 0,
      hairpinning: false,
      mappedAddress: '198.51.100.7:40000',
      server: '203.0.113.9:3478',
    })
    expect(opened.map((o) => [o.address, o.family, o.closed])).toEqual([
      ['2001:db8::20', 6, true],
      ['fd00::5', 6, true],
      ['192.168.1.20', 4, true],
    ])
    expect(calls.map((c) => [c.server.address, c.family, c.allocationSamples])).toEqual([
      ['2001:db8::99', 6, 3],
      ['2001:db8::99', 6, 3],
      ['203.0.113.9', 4, 3],
    ])
    expect(calls[0]!.localAddresses).toContain('192.168.1.20')
  })

  it('tries the next server when one fails, and reports a typed error when all do', async () => {
    const { discover } = scriptedDiscover({
      '203.0.113.1:3478': new TransactionTimeoutError('203.0.113.1:3478', 1750),
      '203.0.113.2:3478': PORT_RESTRICTED,
    })
    const { openClient } = fakeOpenClient()
    const ok = await getNetworkReport({
      networkInterfaces: () => ({ eth0: laptop().wlan0!.slice(0, 1) }),
      discover,
      openClient,
      stunServers: [
        { host: '203.0.113.1', port: 3478 },
        { host: '203.0.113.2', port: 3478 },
      ],
    })
    expect(ok.nat[0]).toMatchObject({
      status: 'measured',
      classic: 'port-restricted',
      server: '203.0.113.2:3478',
    })

    const failing = scriptedDiscover({ '203.0.113.1:3478': new Error('socket gone') })
    const bad = await getNetworkReport({
      networkInterfaces: () => ({ eth0: laptop().wlan0!.slice(0, 1) }),
      discover: failing.discover,
      openClient,
      stunServers: [{ host: '203.0.113.1', port: 3478 }],
    })
    expect(bad.nat[0]).toMatchObject({ status: 'failed', classic: 'unknown' })
    expect(bad.nat[0]!.error).toEqual({
      name: NatProbeError.name,
      message: 'no STUN server answered for eth0/IPv4: 203.0.113.1:3478: socket gone',
    })
  })

  it('rejects bad configuration with built-in errors', async () => {
    await expect(getNetworkReport({ stunServers: [{ host: 'stun.example', port: 3478 }] })).rejects.toThrow(
      TypeError,
    )
    await expect(getNetworkReport({ stunServers: [{ host: '203.0.113.1', port: 0 }] })).rejects.toThrow(
      RangeError,
    )
    await expect(getNetworkReport({ allocationSamples: 17 })).rejects.toThrow(RangeError)
    await expect(getNetworkReport({ signal: AbortSignal.abort() })).rejects.toThrow()
  })

  it('includes mapped ports and reachability from the services given, as JSON that round-trips', async () => {
    const portMapping = new FakePortMapping()
    portMapping.set(['/ip4/198.51.100.7/tcp/4001'])
    const autonat = new FakeAutoNAT()
    autonat.set('private')
    const autonatV2 = new FakeAutoNATv2()
    autonatV2.set('/ip4/198.51.100.7/tcp/4001', 'reachable', 3)
    const report = await getNetworkReport({ networkInterfaces: laptop, portMapping, autonat, autonatV2 })
    expect(report.portMapping).toEqual({ present: true, addresses: ['/ip4/198.51.100.7/tcp/4001'] })
    expect(report.reachability).toEqual({
      host: 'private',
      perAddressPresent: true,
      addresses: [{ address: '/ip4/198.51.100.7/tcp/4001', reachability: 'reachable', confidence: 3 }],
    })
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })
})

describe('renderText', () => {
  it('shows every section, IPv6 first', async () => {
    const { discover } = scriptedDiscover({ '203.0.113.9:3478': PORT_RESTRICTED })
    const portMapping = new FakePortMapping()
    portMapping.set(['/ip4/198.51.100.7/tcp/4001'])
    const report = await getNetworkReport({
      networkInterfaces: laptop,
      discover,
      openClient: fakeOpenClient().openClient,
      stunServers: [{ host: '203.0.113.9', port: 3478 }],
      portMapping,
    })
    const text = renderText(report)
    expect(text).toContain('interfaces\n  wlan0\n    IPv6  2001:db8::20/64')
    expect(text.indexOf('2001:db8::20/64')).toBeLessThan(text.indexOf('192.168.1.20/24'))
    expect(text).toContain('wlan0 IPv6 (2001:db8::20): unknown (no STUN server configured for IPv6)')
    expect(text).toContain(
      'wlan0 IPv4 (192.168.1.20): port-restricted, mapping endpoint-independent, filtering address-and-port-dependent, allocation equal (delta 0), hairpinning no, seen as 198.51.100.7:40000 [via 203.0.113.9:3478]',
    )
    expect(text).toContain('port mapping\n  /ip4/198.51.100.7/tcp/4001')
    expect(text).toContain('host (AutoNAT v1): unknown')
    expect(text).toContain('turn\n  (no TURN server configured)')
  })
})
