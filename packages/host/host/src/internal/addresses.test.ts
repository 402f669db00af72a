import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import {
  addressFamily,
  isRelayed,
  peerIdFromAddress,
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
      multiaddr('/ip4/10.0.0.1/tcp/1'),
      multiaddr('/ip4/10.0.0.2/tcp/1'),
      multiaddr('/memory/a'),
      multiaddr('/ip6/::1/tcp/1'),
      multiaddr('/ip4/10.0.0.1/tcp/1'),
      multiaddr('/ip4/10.0.0.3/tcp/1'),
    ]).map(String)
    expect(sorted).toEqual([
      '/ip6/::1/tcp/1',
      '/ip4/10.0.0.1/tcp/1',
      '/ip4/10.0.0.2/tcp/1',
      '/ip4/10.0.0.3/tcp/1',
      '/memory/a',
      `/ip4/127.0.0.1/tcp/1/p2p/${relay}/p2p-circuit`,
    ])
  })
})
