import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { dialBackCandidates } from './addresses.js'

describe('dialBackCandidates', () => {
  const observed = multiaddr('/ip4/198.51.100.7/tcp/50000')

  it('keeps only addresses on the observed IP, deduplicated and capped', () => {
    const requested = [
      multiaddr('/ip4/10.0.0.2/tcp/4001'),
      multiaddr('/ip4/198.51.100.7/tcp/4001'),
      multiaddr('/ip4/198.51.100.7/tcp/4001'),
      multiaddr('/ip4/203.0.113.9/tcp/4001'),
      multiaddr('/dns4/example.com/tcp/4001'),
      multiaddr('/ip4/198.51.100.7/tcp/4002'),
      multiaddr('/ip4/198.51.100.7/tcp/4003'),
    ]
    expect(dialBackCandidates(requested, observed, 2).map(String)).toEqual([
      '/ip4/198.51.100.7/tcp/4001',
      '/ip4/198.51.100.7/tcp/4002',
    ])
  })

  it('refuses relayed addresses and requests over relayed connections', () => {
    const relayed = multiaddr(
      '/ip4/198.51.100.7/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit',
    )
    expect(dialBackCandidates([relayed], observed, 8)).toEqual([])
    expect(dialBackCandidates([multiaddr('/ip4/198.51.100.7/tcp/4001')], relayed, 8)).toEqual([])
  })
})
