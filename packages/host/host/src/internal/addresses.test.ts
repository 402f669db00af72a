import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import {
  addressFamily,
  isRelayed,
  peerIdFromAddress,
  routeRank,
  sortForDialing,
  withoutPeerId,
  withPeerId,
} from './addresses.js'

const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('address helpers', () => {
  it('reads the peer id at the end of an address, past a relay', () => {
    expect(peerIdFromAddress(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${peer}`))?.equals(peer)).toBe(true)
    const relayed = multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${relay}/p2p-circuit/p2p/${peer}`)
    expect(peerIdFromAddress(relayed)?.equals(peer)).toBe(true)
    expect(peerIdFromAddress(multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${relay}/p2p-circuit`))).toBeUndefined()
    expect(peerIdFromAddress(multiaddr('/ip4/127.0.0.1/tcp/1'))).toBeUndefined()
  })

  it('adds and removes a trailing /p2p/ once', () => {
    const bare = multiaddr('/ip4/127.0.0.1/tcp/1')
    const named = withPeerId(bare, peer)
    expect(named.toString()).toBe(`/ip4/127.0.0.1/tcp/1/p2p/${peer}`)
    expect(withPeerId(named, peer)).toBe(named)
    expect(withoutPeerId(named).toString()).toBe('/ip4/127.0.0.1/tcp/1')
    expect(withoutPeerId(bare)).toBe(bare)
    const circuit = multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${relay}/p2p-circuit`)
    expect(withPeerId(circuit, peer).toString()).toBe(`${circuit}/p2p/${peer}`)
    expect(isRelayed(circuit)).toBe(true)
    expect(isRelayed(bare)).toBe(false)
  })

  it('knows the address family', () => {
    expect(addressFamily(multiaddr('/ip6/::1/tcp/1'))).toBe(6)
    expect(addressFamily(multiaddr('/dns4/example.com/tcp/1'))).toBe(4)
    expect(addressFamily(multiaddr('/memory/x'))).toBe(0)
  })

  it('orders addresses for happy eyeballs: IPv6 and IPv4 alternate, relays last, no duplicates', () => {
    const sorted = sortForDialing([
      multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${relay}/p2p-circuit`),
      multiaddr('/ip4/1.0.0.1/tcp/1'),
      multiaddr('/ip4/1.0.0.2/tcp/1'),
      multiaddr('/memory/a'),
      multiaddr('/ip6/2001:db8::1/tcp/1'),
      multiaddr('/ip4/1.0.0.1/tcp/1'),
      multiaddr('/ip4/1.0.0.3/tcp/1'),
    ]).map(String)
    expect(sorted).toEqual([
      '/ip6/2001:db8::1/tcp/1',
      '/ip4/1.0.0.1/tcp/1',
      '/ip4/1.0.0.2/tcp/1',
      '/ip4/1.0.0.3/tcp/1',
      '/memory/a',
      `/ip4/127.0.0.1/tcp/1/p2p/${relay}/p2p-circuit`,
    ])
  })

  it('tries our own networks first, then global, other private, loopback and bare link-local addresses', () => {
    const local = ['192.168.1.7/24', 'fd00:1::7/64']
    const addresses = [
      '/ip4/127.0.0.1/tcp/1',
      '/ip6/fe80::1/tcp/1',
      '/ip4/8.8.8.8/tcp/1',
      '/ip4/10.0.0.5/tcp/1',
      '/ip4/192.168.1.20/tcp/1',
      '/ip6zone/eth0/ip6/fe80::2/tcp/1',
      '/ip6/fd00:1::9/tcp/1',
      '/ip4/169.254.1.1/tcp/1',
      '/dns4/example.com/tcp/1',
    ].map((address) => multiaddr(address))
    expect(addresses.map((address) => routeRank(address, local))).toEqual([3, 4, 1, 2, 0, 0, 0, 4, 1])
    expect(sortForDialing(addresses, local).map(String)).toEqual([
      '/ip6zone/eth0/ip6/fe80::2/tcp/1',
      '/ip4/192.168.1.20/tcp/1',
      '/ip6/fd00:1::9/tcp/1',
      '/ip4/8.8.8.8/tcp/1',
      '/dns4/example.com/tcp/1',
      '/ip4/10.0.0.5/tcp/1',
      '/ip4/127.0.0.1/tcp/1',
      '/ip6/fe80::1/tcp/1',
      '/ip4/169.254.1.1/tcp/1',
    ])
    // without knowing our networks, a LAN address is one private network among others
    expect(routeRank(multiaddr('/ip4/192.168.1.20/tcp/1'), [])).toBe(2)
    // our own loopback block says nothing about the peer's loopback address
    expect(routeRank(multiaddr('/ip4/127.0.0.1/tcp/1'), ['127.0.0.1/8'])).toBe(3)
  })
})
