import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import type { NatInfo } from './nat-info.js'
import { strategyAddresses } from './punch.js'

const sequential: NatInfo = { mapping: 'address-and-port-dependent', allocation: 'independent', delta: 1 }
const theirs = [multiaddr('/ip4/198.51.100.20/tcp/30005'), multiaddr('/ip4/198.51.100.20/tcp/4001')]

describe('strategyAddresses', () => {
  it('keeps the peer addresses as they are for a punch at the mapped ports', () => {
    expect(strategyAddresses(theirs, sequential, { kind: 'mapped' })).toEqual(theirs)
    expect(strategyAddresses(theirs, sequential, { kind: 'predicted', predict: 'local', window: 2 })).toEqual(
      theirs,
    )
  })

  it('adds the predicted ports after the observed one for a sequential peer', () => {
    const out = strategyAddresses(theirs, sequential, { kind: 'predicted', predict: 'remote', window: 3 })
    expect(out.map(String)).toEqual([
      ...theirs.map(String),
      '/ip4/198.51.100.20/tcp/30006',
      '/ip4/198.51.100.20/tcp/30007',
      '/ip4/198.51.100.20/tcp/30008',
    ])
  })

  it('dials only the predicted ports, in order, when both sides are sequential', () => {
    const out = strategyAddresses(theirs, sequential, { kind: 'predicted', predict: 'both', window: 2 })
    expect(out.map(String)).toEqual(['/ip4/198.51.100.20/tcp/30006', '/ip4/198.51.100.20/tcp/30007'])
  })

  it('predicts from the observed TCP address and keeps QUIC ones, except when both are sequential', () => {
    const quic = multiaddr('/ip4/198.51.100.20/udp/4001/quic-v1')
    const withQuic = [quic, ...theirs]
    const remote = strategyAddresses(withQuic, sequential, {
      kind: 'predicted',
      predict: 'remote',
      window: 1,
    })
    expect(remote.map(String)).toEqual([...withQuic.map(String), '/ip4/198.51.100.20/tcp/30006'])
    const both = strategyAddresses(withQuic, sequential, { kind: 'predicted', predict: 'both', window: 1 })
    expect(both.map(String)).toEqual(['/ip4/198.51.100.20/tcp/30006'])
  })
})
