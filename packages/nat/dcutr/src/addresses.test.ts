import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import {
  isPublic,
  isPublicTcp,
  isPunchable,
  isPunchableQuic,
  isPunchableTcp,
  isRelayed,
  isSpecialIp,
  MAX_ENTRIES_EXAMINED,
  mayDial,
  punchAddresses,
  quicFirst,
  relayOf,
} from './addresses.js'

const RELAY = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

describe('hole punch addresses', () => {
  it('accepts plain TCP addresses only', () => {
    expect(isPunchableTcp(multiaddr('/ip4/198.51.100.7/tcp/4001'))).toBe(true)
    expect(isPunchableTcp(multiaddr(`/ip4/198.51.100.7/tcp/4001/p2p/${RELAY}`))).toBe(true)
    expect(isPunchableTcp(multiaddr('/ip6/::1/tcp/4001'))).toBe(true)
    expect(isPunchableTcp(multiaddr('/ip4/198.51.100.7/tcp/0'))).toBe(false)
    expect(isPunchableTcp(multiaddr('/ip4/198.51.100.7/udp/4001/quic-v1'))).toBe(false)
    expect(isPunchableTcp(multiaddr('/dns4/example.com/tcp/4001'))).toBe(false)
    expect(isPunchableTcp(multiaddr(`/ip4/198.51.100.7/tcp/4001/p2p/${RELAY}/p2p-circuit`))).toBe(false)
  })

  it('parses, filters, strips /p2p, deduplicates and caps ObsAddrs', () => {
    const bytes = [
      new Uint8Array([0xff, 0x00]),
      multiaddr('/ip4/198.51.100.7/tcp/4001').bytes,
      multiaddr(`/ip4/198.51.100.7/tcp/4001/p2p/${RELAY}`).bytes,
      multiaddr('/ip4/198.51.100.7/udp/4001').bytes,
      multiaddr('/ip4/198.51.100.8/tcp/4001').bytes,
      multiaddr('/ip4/198.51.100.9/tcp/4001').bytes,
    ]
    expect(punchAddresses(bytes, 2).map(String)).toEqual([
      '/ip4/198.51.100.7/tcp/4001',
      '/ip4/198.51.100.8/tcp/4001',
    ])
  })

  it('knows a punchable QUIC v1 address', () => {
    expect(isPunchableQuic(multiaddr('/ip4/198.51.100.7/udp/4001/quic-v1'))).toBe(true)
    expect(isPunchableQuic(multiaddr(`/ip6/::1/udp/4001/quic-v1/p2p/${RELAY}`))).toBe(true)
    expect(isPunchableQuic(multiaddr('/ip4/198.51.100.7/udp/0/quic-v1'))).toBe(false)
    expect(isPunchableQuic(multiaddr('/ip4/198.51.100.7/udp/4001/quic'))).toBe(false)
    expect(isPunchableQuic(multiaddr('/ip4/198.51.100.7/udp/4001'))).toBe(false)
    expect(isPunchableQuic(multiaddr('/ip4/198.51.100.7/tcp/4001'))).toBe(false)
    expect(isPunchableQuic(multiaddr('/ip4/198.51.100.7/udp/4001/quic-v1/webtransport'))).toBe(false)
    expect(isPunchableQuic(multiaddr(`/ip4/198.51.100.7/udp/4001/quic-v1/p2p/${RELAY}/p2p-circuit`))).toBe(
      false,
    )
    expect(isPunchable(multiaddr('/ip4/198.51.100.7/udp/4001/quic-v1'))).toBe(true)
    expect(isPunchable(multiaddr('/ip4/198.51.100.7/tcp/4001'))).toBe(true)
    expect(isPublic(multiaddr('/ip4/198.51.100.7/udp/4001/quic-v1'))).toBe(true)
    expect(isPublic(multiaddr('/ip4/10.0.0.7/udp/4001/quic-v1'))).toBe(false)
    expect(mayDial(multiaddr('/ip4/10.0.0.7/udp/4001/quic-v1'), true)).toBe(true)
  })

  it('keeps up to max TCP and max QUIC addresses of ObsAddrs, QUIC first when asked', () => {
    const bytes = [
      '/ip4/198.51.100.7/tcp/4001',
      '/ip4/198.51.100.7/udp/4001/quic-v1',
      '/ip4/198.51.100.8/tcp/4001',
      '/ip4/198.51.100.8/udp/4001/quic-v1',
      `/ip4/198.51.100.8/udp/4001/quic-v1/p2p/${RELAY}`,
      '/ip4/198.51.100.9/tcp/4001',
      '/ip4/198.51.100.9/udp/4001/quic-v1',
    ].map((address) => multiaddr(address).bytes)
    const kept = punchAddresses(bytes, 2)
    expect(kept.map(String)).toEqual([
      '/ip4/198.51.100.7/tcp/4001',
      '/ip4/198.51.100.7/udp/4001/quic-v1',
      '/ip4/198.51.100.8/tcp/4001',
      '/ip4/198.51.100.8/udp/4001/quic-v1',
    ])
    expect(quicFirst(kept, 1).map(String)).toEqual([
      '/ip4/198.51.100.7/udp/4001/quic-v1',
      '/ip4/198.51.100.7/tcp/4001',
    ])
  })

  it('finds the relay of a circuit address', () => {
    expect(relayOf(multiaddr(`/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${RELAY}`))).toBe(RELAY)
    expect(relayOf(multiaddr('/ip4/198.51.100.1/tcp/4001'))).toBeUndefined()
  })

  it('looks at no more than MAX_ENTRIES_EXAMINED entries of ObsAddrs', () => {
    const junk = Array.from({ length: MAX_ENTRIES_EXAMINED }, () => new Uint8Array([0xff]))
    expect(punchAddresses([...junk, multiaddr('/ip4/198.51.100.7/tcp/4001').bytes], 4)).toEqual([])
  })
})

describe('which addresses a remote may make us dial', () => {
  it('refuses private, loopback, link-local and other special-purpose ranges', () => {
    expect(isSpecialIp('not an ip', 'ipv4')).toBe(true)
    expect(isSpecialIp('8.8.8.8', 'ipv6')).toBe(true)
    for (const ip of [
      '0.0.0.0',
      '0.1.2.3',
      '10.1.2.3',
      '100.64.0.1',
      '100.127.255.254',
      '127.0.0.1',
      '127.0.0.7',
      '169.254.1.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.168.1.1',
      '198.18.0.1',
      '198.19.255.255',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isSpecialIp(ip, 'ipv4'), ip).toBe(true)
      expect(isPublicTcp(multiaddr(`/ip4/${ip}/tcp/4001`)), ip).toBe(false)
    }
    for (const ip of [
      '::',
      '::1',
      'fc00::1',
      'fd12::1',
      'fe80::1',
      'fec0::1',
      'ff02::1',
      '100::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isSpecialIp(ip, 'ipv6'), ip).toBe(true)
      expect(isPublicTcp(multiaddr(`/ip6/${ip}/tcp/4001`)), ip).toBe(false)
    }
  })

  it('accepts public unicast (and the documentation ranges, routed nowhere)', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '198.51.100.7', '203.0.113.9']) {
      expect(isPublicTcp(multiaddr(`/ip4/${ip}/tcp/4001`)), ip).toBe(true)
    }
    for (const ip of ['2001:4860:4860::8888', '2001:db8::1', '::ffff:8.8.8.8']) {
      expect(isPublicTcp(multiaddr(`/ip6/${ip}/tcp/4001`)), ip).toBe(true)
    }
  })

  it('allows private ranges only when configured, and never what is not punchable', () => {
    const loopback = multiaddr('/ip4/127.0.0.7/tcp/4001')
    expect(mayDial(loopback, false)).toBe(false)
    expect(mayDial(loopback, true)).toBe(true)
    expect(mayDial(multiaddr('/ip4/8.8.8.8/tcp/4001'), false)).toBe(true)
    expect(mayDial(multiaddr('/dns4/example.com/tcp/4001'), true)).toBe(false)
    expect(mayDial(multiaddr(`/ip4/8.8.8.8/tcp/4001/p2p/${RELAY}/p2p-circuit`), true)).toBe(false)
  })
})

describe('isRelayed', () => {
  it('is true for a circuit remote address, whatever the limits say', () => {
    const circuit = multiaddr(`/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${RELAY}`)
    expect(isRelayed({ remoteAddr: circuit })).toBe(true)
    expect(isRelayed({ remoteAddr: multiaddr(`/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}`) })).toBe(false)
    expect(isRelayed({ remoteAddr: multiaddr('/ip6/::1/tcp/4001') })).toBe(false)
  })
})
