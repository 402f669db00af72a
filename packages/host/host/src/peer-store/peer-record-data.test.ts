import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import { DEFAULT_PEER_RECORD_LIMITS, emptyPeer, samePeer, toPeer, updatePeer } from './peer-record-data.js'

const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const a = multiaddr('/ip4/10.0.0.1/tcp/1')
const b = multiaddr('/ip4/10.0.0.2/tcp/1')
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('updatePeer', () => {
  const base = updatePeer(
    emptyPeer(id),
    {
      multiaddrs: [a],
      protocols: ['/b', '/a'],
      metadata: { agent: bytes('x') },
      tags: { friend: { value: 10 } },
    },
    'save',
  )

  it('save replaces every field', () => {
    const next = updatePeer(base, { protocols: ['/c'] }, 'save')
    const peer = toPeer(next)
    expect(peer.protocols).toEqual(['/c'])
    expect(peer.addresses).toEqual([])
    expect(peer.metadata.size).toBe(0)
    expect(peer.tags.size).toBe(0)
  })

  it('patch replaces only the fields given', () => {
    const peer = toPeer(updatePeer(base, { multiaddrs: [b] }, 'patch'))
    expect(peer.addresses.map((address) => address.multiaddr.toString())).toEqual([b.toString()])
    expect(peer.protocols).toEqual(['/a', '/b'])
    expect(peer.tags.get('friend')?.value).toBe(10)
  })

  it('merge unites addresses and protocols and merges maps key by key', () => {
    const next = updatePeer(
      base,
      {
        addresses: [{ multiaddr: b, isCertified: true }],
        protocols: ['/c'],
        metadata: { agent: undefined, version: bytes('1') },
        tags: { friend: undefined, other: { value: 1 } },
      },
      'merge',
    )
    const peer = toPeer(next)
    expect(peer.addresses.map((address) => [address.multiaddr.toString(), address.isCertified])).toEqual([
      [a.toString(), false],
      [b.toString(), true],
    ])
    expect(peer.protocols).toEqual(['/a', '/b', '/c'])
    expect([...peer.metadata.keys()]).toEqual(['version'])
    expect([...peer.tags.keys()]).toEqual(['other'])
  })

  it('keeps a certified address certified when merged uncertified', () => {
    const certified = updatePeer(base, { addresses: [{ multiaddr: a, isCertified: true }] }, 'patch')
    const merged = updatePeer(certified, { multiaddrs: [a] }, 'merge')
    expect(toPeer(merged).addresses[0]?.isCertified).toBe(true)
  })

  it('drops tags whose ttl ran out', () => {
    const now = 1_000_000
    const next = updatePeer(
      base,
      { tags: { short: { value: 5, ttl: 100 } } },
      'merge',
      DEFAULT_PEER_RECORD_LIMITS,
      now,
    )
    expect(toPeer(next, now + 50).tags.has('short')).toBe(true)
    expect(toPeer(next, now + 150).tags.has('short')).toBe(false)
  })

  it('bounds addresses and protocols by dropping the extra ones', () => {
    const limits = { ...DEFAULT_PEER_RECORD_LIMITS, maxAddresses: 2, maxProtocols: 2 }
    const many = Array.from({ length: 5 }, (_, i) => multiaddr(`/ip4/10.0.1.${i}/tcp/1`))
    const next = updatePeer(
      emptyPeer(id),
      { multiaddrs: many, protocols: ['/1', '/2', '/3'] },
      'merge',
      limits,
    )
    expect(next.addresses.size).toBe(2)
    expect(next.protocols).toHaveLength(2)
  })

  it('refuses bad tags and oversized metadata with InvalidParametersError', () => {
    expect(() => updatePeer(base, { tags: { bad: { value: 101 } } }, 'merge')).toThrow(
      expect.objectContaining({ name: 'InvalidParametersError' }),
    )
    const limits = { ...DEFAULT_PEER_RECORD_LIMITS, maxMetadataValueLength: 2 }
    expect(() => updatePeer(base, { metadata: { big: bytes('xyz') } }, 'merge', limits)).toThrow(
      expect.objectContaining({ name: 'InvalidParametersError' }),
    )
    const fewTags = { ...DEFAULT_PEER_RECORD_LIMITS, maxTags: 1 }
    expect(() => updatePeer(base, { tags: { second: {} } }, 'merge', fewTags)).toThrow(
      expect.objectContaining({ name: 'InvalidParametersError' }),
    )
  })

  it('samePeer sees equal records as equal and any change as a change', () => {
    expect(samePeer(base, updatePeer(base, { protocols: ['/a'] }, 'merge'))).toBe(true)
    expect(samePeer(base, updatePeer(base, { protocols: ['/z'] }, 'merge'))).toBe(false)
    expect(samePeer(base, updatePeer(base, { metadata: { agent: bytes('y') } }, 'merge'))).toBe(false)
    expect(samePeer(base, updatePeer(base, { peerRecordEnvelope: bytes('e') }, 'merge'))).toBe(false)
  })
})
