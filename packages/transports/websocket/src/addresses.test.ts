import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import {
  isDialable,
  isListenable,
  socketAddressToMultiaddr,
  toWebSocketTarget,
  wildcardAddresses,
} from './addresses.js'

const PEER = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

describe('toWebSocketTarget', () => {
  it('reads /ip4 …/ws as a ws:// URL', () => {
    expect(toWebSocketTarget(multiaddr('/ip4/127.0.0.1/tcp/4001/ws'), { dialing: true })).toEqual({
      host: '127.0.0.1',
      port: 4001,
      family: 4,
      isName: false,
      secure: false,
      serverName: undefined,
      suffix: '/ws',
      url: 'ws://127.0.0.1:4001/',
    })
  })

  it('puts IPv6 addresses in brackets and reads /wss as secure', () => {
    const target = toWebSocketTarget(multiaddr(`/ip6/::1/tcp/443/wss/p2p/${PEER}`), { dialing: true })
    expect(target).toMatchObject({
      host: '::1',
      family: 6,
      secure: true,
      suffix: '/wss',
      url: 'wss://[::1]:443/',
    })
  })

  it('reads /tls/ws and /tls/sni/<name>/ws', () => {
    expect(toWebSocketTarget(multiaddr('/ip4/1.2.3.4/tcp/443/tls/ws'), { dialing: false })).toMatchObject({
      secure: true,
      suffix: '/tls/ws',
      url: 'wss://1.2.3.4:443/',
    })
    expect(
      toWebSocketTarget(multiaddr('/ip4/1.2.3.4/tcp/443/tls/sni/example.com/ws'), { dialing: true }),
    ).toMatchObject({ secure: true, serverName: 'example.com', url: 'wss://1.2.3.4:443/' })
  })

  it('dials DNS names with the family they ask for', () => {
    const opts = { dialing: true }
    expect(toWebSocketTarget(multiaddr('/dns4/example.com/tcp/80/ws'), opts)).toMatchObject({
      host: 'example.com',
      family: 4,
      isName: true,
      url: 'ws://example.com:80/',
    })
    expect(toWebSocketTarget(multiaddr('/dns6/example.com/tcp/80/ws'), opts).family).toBe(6)
    expect(toWebSocketTarget(multiaddr('/dns/example.com/tcp/443/wss'), opts)).toMatchObject({
      family: undefined,
      url: 'wss://example.com:443/',
    })
  })

  it('throws InvalidMultiaddrError saying what is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      ['/ip4/127.0.0.1/tcp/4001', /expected ws, wss or tls\/ws after the port, got nothing/],
      ['/ip4/127.0.0.1/udp/4001/ws', /expected tcp after the host, got udp/],
      ['/ip4/127.0.0.1/tcp/4001/tls/http', /expected ws after tls/],
      ['/ip4/127.0.0.1/tcp/4001/ws/ws', /only \/p2p\/<peer-id> may follow/],
      ['/memory/x', /too few components/],
      ['/unix/tmp%2Fsock/ws', /too few components|expected tcp/],
    ]
    for (const [address, message] of cases) {
      let error: unknown
      try {
        toWebSocketTarget(multiaddr(address), { dialing: true })
      } catch (err) {
        error = err
      }
      expect(error, address).toMatchObject({ name: 'InvalidMultiaddrError' })
      expect((error as Error).message, address).toMatch(message)
      expect((error as Error).message, address).toContain(address)
    }
  })

  it('refuses names and /sni when listening', () => {
    expect(() => toWebSocketTarget(multiaddr('/dns4/localhost/tcp/0/ws'), { dialing: false })).toThrow(
      /DNS name cannot be listened on/,
    )
    expect(() =>
      toWebSocketTarget(multiaddr('/ip4/127.0.0.1/tcp/0/tls/sni/a.example/ws'), { dialing: false }),
    ).toThrow(/takes no \/sni/)
  })
})

describe('address filters', () => {
  const addrs = [
    '/ip4/127.0.0.1/tcp/4001/ws',
    `/ip6/::1/tcp/4001/wss/p2p/${PEER}`,
    '/dns4/example.com/tcp/443/tls/ws',
    '/dns/example.com/tcp/443/tls/sni/example.com/ws',
    '/ip4/127.0.0.1/tcp/0/ws',
    '/ip4/127.0.0.1/tcp/4001',
    '/ip4/127.0.0.1/udp/4001/quic-v1',
    '/ip4/127.0.0.1/tcp/4001/ws/p2p-circuit',
  ]

  it('dials WebSocket addresses with a port, names included', () => {
    expect(addrs.filter((a) => isDialable(multiaddr(a)))).toEqual(addrs.slice(0, 4))
  })

  it('listens on IP WebSocket addresses, port 0 included', () => {
    expect(addrs.filter((a) => isListenable(multiaddr(a)))).toEqual([addrs[0], addrs[1], addrs[4]])
  })
})

describe('socketAddressToMultiaddr', () => {
  it('keeps the suffix and unmaps IPv4-mapped IPv6 addresses', () => {
    expect(socketAddressToMultiaddr('127.0.0.1', 5, '/ws').toString()).toBe('/ip4/127.0.0.1/tcp/5/ws')
    expect(socketAddressToMultiaddr('::ffff:10.0.0.1', 5, '/wss').toString()).toBe('/ip4/10.0.0.1/tcp/5/wss')
    expect(socketAddressToMultiaddr('::1', 5, '/tls/ws').toString()).toBe('/ip6/::1/tcp/5/tls/ws')
    expect(socketAddressToMultiaddr('fe80::1%eth0', 5).toString()).toBe('/ip6zone/eth0/ip6/fe80::1/tcp/5/ws')
  })
})

describe('wildcardAddresses', () => {
  const interfaces = {
    lo: [
      { address: '127.0.0.1', family: 'IPv4' },
      { address: '::1', family: 'IPv6' },
    ],
    eth0: [
      { address: '192.168.1.2', family: 'IPv4' },
      { address: 'fe80::2', family: 'IPv6' },
      { address: '2001:db8::2', family: 6 },
    ],
  }

  it('lists IPv4 addresses for 0.0.0.0', () => {
    expect(wildcardAddresses('0.0.0.0', 9, '/ws', interfaces, { dualStack: false }).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/9/ws',
      '/ip4/192.168.1.2/tcp/9/ws',
    ])
  })

  it('lists both families for a dual-stack ::, without link-local ones', () => {
    expect(wildcardAddresses('::', 9, '/wss', interfaces, { dualStack: true }).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/9/wss',
      '/ip6/::1/tcp/9/wss',
      '/ip4/192.168.1.2/tcp/9/wss',
      '/ip6/2001:db8::2/tcp/9/wss',
    ])
  })
})
