import type { NetworkInterfaceInfo } from 'node:os'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import {
  isDialable,
  isListenable,
  isWildcard,
  socketAddressToMultiaddr,
  toSocketTarget,
  wildcardAddresses,
} from './addresses.js'

const dial = { allowNames: true }
const listen = { allowNames: false }

describe('toSocketTarget', () => {
  it('maps ip4, ip6, ip6zone and dns addresses to host, port and family', () => {
    expect(toSocketTarget(multiaddr('/ip4/127.0.0.1/tcp/4001'), dial)).toEqual({
      host: '127.0.0.1',
      port: 4001,
      family: 4,
      isName: false,
    })
    expect(toSocketTarget(multiaddr('/ip6/::1/tcp/0'), listen)).toEqual({
      host: '::1',
      port: 0,
      family: 6,
      isName: false,
    })
    expect(toSocketTarget(multiaddr('/ip6zone/eth0/ip6/fe80::1/tcp/9'), dial).host).toBe('fe80::1%eth0')
    expect(toSocketTarget(multiaddr('/dns4/localhost/tcp/1'), dial)).toEqual({
      host: 'localhost',
      port: 1,
      family: 4,
      isName: true,
    })
    expect(toSocketTarget(multiaddr('/dns6/localhost/tcp/1'), dial).family).toBe(6)
    expect(toSocketTarget(multiaddr('/dns/localhost/tcp/1'), dial).family).toBeUndefined()
  })

  it('ignores a trailing /p2p and rejects anything else after the port', () => {
    const peer = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
    expect(toSocketTarget(multiaddr(`/ip4/1.2.3.4/tcp/5/p2p/${peer}`), dial).port).toBe(5)
    for (const bad of [
      '/ip4/1.2.3.4/tcp/5/ws',
      '/ip4/1.2.3.4/udp/5',
      '/ip4/1.2.3.4',
      '/memory/x',
      '/tcp/5/ip4/1.2.3.4',
    ]) {
      expect(() => toSocketTarget(multiaddr(bad), dial)).toThrow(
        expect.objectContaining({ name: 'InvalidMultiaddrError' }),
      )
    }
  })

  it('refuses names when listening', () => {
    expect(() => toSocketTarget(multiaddr('/dns4/localhost/tcp/1'), listen)).toThrow(/DNS name/)
  })
})

describe('filters', () => {
  it('dial needs a non-zero port; listen takes port 0 but no names', () => {
    expect(isDialable(multiaddr('/ip4/127.0.0.1/tcp/0'))).toBe(false)
    expect(isDialable(multiaddr('/dns/example.com/tcp/443'))).toBe(true)
    expect(isListenable(multiaddr('/ip4/0.0.0.0/tcp/0'))).toBe(true)
    expect(isListenable(multiaddr('/dns/example.com/tcp/443'))).toBe(false)
    expect(isListenable(multiaddr('/ip4/0.0.0.0/tcp/0/ws'))).toBe(false)
  })
})

describe('socketAddressToMultiaddr', () => {
  it('reports IPv4-mapped addresses as ip4 and scoped ones with ip6zone', () => {
    expect(socketAddressToMultiaddr('127.0.0.1', 80).toString()).toBe('/ip4/127.0.0.1/tcp/80')
    expect(socketAddressToMultiaddr('::ffff:10.0.0.1', 80).toString()).toBe('/ip4/10.0.0.1/tcp/80')
    expect(socketAddressToMultiaddr('::1', 80).toString()).toBe('/ip6/::1/tcp/80')
    expect(socketAddressToMultiaddr('fe80::1%eth0', 80).toString()).toBe('/ip6zone/eth0/ip6/fe80::1/tcp/80')
  })
})

describe('wildcardAddresses', () => {
  const info = (address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo =>
    ({
      address,
      family,
      internal: false,
      netmask: '',
      mac: '',
      cidr: null,
      scopeid: 0,
    }) as NetworkInterfaceInfo
  const interfaces = {
    lo: [info('127.0.0.1', 'IPv4'), info('::1', 'IPv6')],
    eth0: [info('192.0.2.2', 'IPv4'), info('fd00::2', 'IPv6'), info('fe80::fc:ff:fe00:1', 'IPv6')],
    eth1: undefined,
  }

  it('lists IPv4 addresses for 0.0.0.0', () => {
    expect(wildcardAddresses('0.0.0.0', 7, interfaces, { dualStack: false }).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/7',
      '/ip4/192.0.2.2/tcp/7',
    ])
  })

  it('lists IPv6 (without link-local) and, dual-stack, IPv4 addresses for ::', () => {
    expect(wildcardAddresses('::', 7, interfaces, { dualStack: true }).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/7',
      '/ip6/::1/tcp/7',
      '/ip4/192.0.2.2/tcp/7',
      '/ip6/fd00::2/tcp/7',
    ])
    expect(wildcardAddresses('::', 7, interfaces, { dualStack: false }).map(String)).toEqual([
      '/ip6/::1/tcp/7',
      '/ip6/fd00::2/tcp/7',
    ])
  })

  it('knows the wildcard hosts', () => {
    expect(isWildcard('0.0.0.0')).toBe(true)
    expect(isWildcard('::')).toBe(true)
    expect(isWildcard('127.0.0.1')).toBe(false)
  })
})
