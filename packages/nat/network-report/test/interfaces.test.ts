import { describe, expect, it } from 'vitest'
import { addressScope, probeTargets, readInterfaces } from '../src/index.js'
import { info, laptop } from './fixtures.js'

describe('addressScope', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.3.4', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.1.2.3', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['198.51.100.1', 'public'],
    ['8.8.8.8', 'public'],
    ['2001:db8::1', 'public'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
  ])('%s is %s', (ip, scope) => {
    expect(addressScope(ip)).toBe(scope)
  })
})

describe('readInterfaces', () => {
  it('puts IPv6 first, public before link-local, and loopback-only interfaces last', () => {
    const interfaces = readInterfaces(laptop())
    expect(interfaces.map((entry) => entry.name)).toEqual(['wlan0', 'tun0', 'lo'])
    expect(interfaces[0]!.addresses).toEqual([
      { address: '2001:db8::20', family: 6, scope: 'public', cidr: '2001:db8::20/64' },
      { address: 'fe80::1', family: 6, scope: 'link-local', cidr: 'fe80::1%wlan0/64' },
      { address: '192.168.1.20', family: 4, scope: 'private', cidr: '192.168.1.20/24' },
    ])
    expect(interfaces[2]!.addresses.map((a) => a.address)).toEqual(['::1', '127.0.0.1'])
  })

  it('bounds the interfaces and addresses it reports', () => {
    const table = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [
        `eth${i}`,
        Array.from({ length: 100 }, (_, j) => info(`10.${i}.${j}.1`)),
      ]),
    )
    const interfaces = readInterfaces(table)
    expect(interfaces).toHaveLength(64)
    expect(interfaces.every((entry) => entry.addresses.length === 64)).toBe(true)
  })
})

describe('probeTargets', () => {
  it('names one routable address per interface and family, IPv6 first', () => {
    expect(probeTargets(readInterfaces(laptop()))).toEqual([
      { interface: 'wlan0', family: 6, localAddress: '2001:db8::20' },
      { interface: 'tun0', family: 6, localAddress: 'fd00::5' },
      { interface: 'wlan0', family: 4, localAddress: '192.168.1.20' },
    ])
  })

  it('skips interfaces with only loopback and link-local addresses', () => {
    expect(probeTargets(readInterfaces({ lo: [info('127.0.0.1')], eth0: [info('fe80::2')] }))).toEqual([])
  })
})
