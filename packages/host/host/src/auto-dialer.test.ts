import type { Peer } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import { backoffDelay, selectDialCandidates } from './auto-dialer.js'

const newId = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

function peer(id: Peer['id'], tags: number[], addresses = 1): Peer {
  return {
    id,
    addresses: Array.from({ length: addresses }, (_, i) => ({
      multiaddr: multiaddr(`/ip4/10.0.0.${i + 1}/tcp/1`),
      isCertified: false,
    })),
    protocols: [],
    metadata: new Map(),
    tags: new Map(tags.map((value, i) => [`t${i}`, { value }])),
  }
}

describe('auto-dial policy', () => {
  it('backs off exponentially up to the ceiling', () => {
    expect([1, 2, 3, 4, 10].map((failures) => backoffDelay(failures, 100, 1000))).toEqual([
      100, 200, 400, 800, 1000,
    ])
    expect(backoffDelay(0, 100, 1000)).toBe(100)
  })

  it('picks unconnected peers with addresses, not backing off, most tagged first, at most `limit`', async () => {
    const [self, a, b, c, d, e, f] = await Promise.all(Array.from({ length: 7 }, newId))
    const peers = [
      peer(self!, [100]),
      peer(a!, [10]),
      peer(b!, [50, 20]),
      peer(c!, [90]),
      peer(d!, [], 0),
      peer(e!, [80]),
      peer(f!, [0], 3),
    ]
    const now = 5000
    const chosen = selectDialCandidates(peers, {
      self: self!,
      isConnected: (id) => id.equals(c!),
      backoff: new Map([[e!.toString(), { failures: 1, until: now + 1 }]]),
      busy: new Set(),
      now,
      limit: 3,
    })
    expect(chosen.map((candidate) => candidate.id.toString())).toEqual([b, a, f].map(String))
    expect(
      selectDialCandidates(peers, {
        self: self!,
        isConnected: () => false,
        backoff: new Map(),
        busy: new Set(),
        now,
        limit: 0,
      }),
    ).toEqual([])
  })
})
