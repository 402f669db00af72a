import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { isPunchableTcp, punchAddresses, relayOf } from './addresses.js'

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

  it('finds the relay of a circuit address', () => {
    expect(relayOf(multiaddr(`/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${RELAY}`))).toBe(RELAY)
    expect(relayOf(multiaddr('/ip4/198.51.100.1/tcp/4001'))).toBeUndefined()
  })
})
