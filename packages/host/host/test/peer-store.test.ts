import type { PeerUpdate } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey, peerIdFromString } from '@weft/peer-id'
import { PeerRecord, RecordEnvelope } from '@weft/record'
import { describe, expect, it } from 'vitest'
import { PeerStore } from '../src/peer-store/peer-store.js'
import { record, testPeer } from './fixtures/peer.js'

const a = multiaddr('/ip4/10.0.0.1/tcp/1')
const b = multiaddr('/ip4/10.0.0.2/tcp/1')

async function newPeer() {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key) }
}

describe('PeerStore', () => {
  it('saves, patches, merges, reads and deletes peers', async () => {
    const { peerStore } = await testPeer()
    const { id } = await newPeer()
    expect(await peerStore.has(id)).toBe(false)
    await expect(peerStore.get(id)).rejects.toMatchObject({ name: 'NotFoundError' })
    await peerStore.save(id, { multiaddrs: [a], protocols: ['/x'] })
    await peerStore.patch(id, { protocols: ['/y'] })
    const merged = await peerStore.merge(id, { multiaddrs: [b], protocols: ['/z'] })
    expect(merged.protocols).toEqual(['/y', '/z'])
    expect(merged.addresses.map((address) => address.multiaddr.toString())).toEqual([
      a.toString(),
      b.toString(),
    ])
    expect((await peerStore.getInfo(id)).multiaddrs).toHaveLength(2)
    expect(await peerStore.all()).toHaveLength(1)
    await peerStore.delete(id)
    expect(await peerStore.has(id)).toBe(false)
  })

  it('always has our own record, which cannot be deleted', async () => {
    const { peerStore, peerId } = await testPeer()
    expect((await peerStore.get(peerId)).id.equals(peerId)).toBe(true)
    await expect(peerStore.delete(peerId)).rejects.toMatchObject({ name: 'InvalidParametersError' })
  })

  it('dispatches peer:update with the previous record, self:peer:update for us, nothing for no change', async () => {
    const self = await testPeer()
    const updates = record<PeerUpdate>(self.events, 'peer:update')
    const selfUpdates = record<PeerUpdate>(self.events, 'self:peer:update')
    const { id } = await newPeer()
    await self.peerStore.merge(id, { protocols: ['/x'] })
    await self.peerStore.merge(id, { protocols: ['/x'] })
    await self.peerStore.merge(id, { protocols: ['/y'] })
    expect(updates).toHaveLength(2)
    expect(updates[0]?.previous).toBeUndefined()
    expect(updates[1]?.previous?.protocols).toEqual(['/x'])
    expect(updates[1]?.peer.protocols).toEqual(['/x', '/y'])
    await self.peerStore.patch(self.peerId, { multiaddrs: [a] })
    expect(selfUpdates).toHaveLength(1)
    expect(updates).toHaveLength(2)
  })

  it('keeps concurrent merges to one peer (no lost update)', async () => {
    const { peerStore } = await testPeer()
    const { id } = await newPeer()
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => peerStore.merge(id, { protocols: [`/p/${i}`] })),
    )
    expect((await peerStore.get(id)).protocols).toHaveLength(20)
  })

  it('is bounded: beyond maxPeers the least recently used peer goes, never our own record', async () => {
    const self = await testPeer()
    const store = new PeerStore(self, { maxPeers: 3 })
    await store.patch(self.peerId, { protocols: ['/mine'] })
    const others = await Promise.all([1, 2, 3, 4].map(async () => (await newPeer()).id))
    for (const id of others) await store.merge(id, { multiaddrs: [a] })
    expect(await store.has(self.peerId)).toBe(true)
    expect(await store.has(others[0]!)).toBe(false)
    expect(await store.has(others[3]!)).toBe(true)
    expect(await store.all()).toHaveLength(3)
  })

  it('asks the connection manager which peers are connected and evicts those last', async () => {
    const self = await testPeer()
    const others = await Promise.all([1, 2, 3, 4].map(async () => (await newPeer()).id))
    const connected = new Map([[others[0]!.toString(), []]])
    const store = new PeerStore(
      { ...self, connectionManager: { getConnectionsMap: () => connected } },
      { maxPeers: 3 },
    )
    await store.patch(self.peerId, { protocols: ['/mine'] })
    for (const id of others) await store.merge(id, { multiaddrs: [a] })
    expect(await store.has(others[0]!)).toBe(true)
    expect(await store.has(others[1]!)).toBe(false)
    expect(await store.all()).toHaveLength(3)
  })

  it('filters, orders, offsets and limits queries', async () => {
    const { peerStore } = await testPeer()
    const ids = await Promise.all([1, 2, 3].map(async () => (await newPeer()).id))
    for (const [i, id] of ids.entries()) await peerStore.merge(id, { tags: { rank: { value: i * 10 } } })
    const peers = await peerStore.all({
      filters: [(peer) => (peer.tags.get('rank')?.value ?? 0) > 0],
      orders: [(x, y) => ((y.tags.get('rank')?.value ?? 0) > (x.tags.get('rank')?.value ?? 0) ? 1 : -1)],
      limit: 1,
    })
    expect(peers.map((peer) => peer.id.toString())).toEqual([ids[2]!.toString()])
    const seen: string[] = []
    await peerStore.forEach((peer) => void seen.push(peer.id.toString()), { offset: 1 })
    expect(seen).toHaveLength(2)
  })

  it('adds the public key to a peer id that lacks it', async () => {
    const { peerStore } = await testPeer()
    const rsa = await generateKeyPair('RSA', 2048)
    const bare = peerIdFromString(peerIdFromPrivateKey(rsa).toString())
    expect(bare.publicKey).toBeUndefined()
    const peer = await peerStore.merge(bare, { publicKey: rsa.publicKey })
    expect(peer.id.publicKey?.equals(rsa.publicKey)).toBe(true)
    const other = await generateKeyPair('Ed25519')
    await expect(peerStore.merge(bare, { publicKey: other.publicKey })).rejects.toMatchObject({
      name: 'InvalidParametersError',
    })
  })

  it('asks the connection gater which addresses to keep', async () => {
    const self = await testPeer()
    const store = new PeerStore({
      ...self,
      connectionGater: { filterMultiaddrForPeer: (_peer, address) => address.toString() !== b.toString() },
    })
    const { id } = await newPeer()
    const peer = await store.merge(id, { multiaddrs: [a, b] })
    expect(peer.addresses.map((address) => address.multiaddr.toString())).toEqual([a.toString()])
  })

  it('consumes signed peer records: newer ones replace addresses, stale or foreign ones are refused', async () => {
    const { peerStore } = await testPeer()
    const { key, id } = await newPeer()
    await peerStore.merge(id, { multiaddrs: [a] })
    const first = (
      await RecordEnvelope.seal(new PeerRecord({ peerId: id, multiaddrs: [b], seqNumber: 5n }), key)
    ).marshal()
    expect(await peerStore.consumePeerRecord(first, { expectedPeer: id })).toBe(true)
    const peer = await peerStore.get(id)
    expect(peer.addresses).toEqual([{ multiaddr: b, isCertified: true }])
    expect(peer.peerRecordEnvelope).toEqual(first)

    const stale = (
      await RecordEnvelope.seal(new PeerRecord({ peerId: id, multiaddrs: [a], seqNumber: 4n }), key)
    ).marshal()
    expect(await peerStore.consumePeerRecord(stale)).toBe(false)
    const { id: someoneElse } = await newPeer()
    const newer = (
      await RecordEnvelope.seal(new PeerRecord({ peerId: id, multiaddrs: [a], seqNumber: 9n }), key)
    ).marshal()
    expect(await peerStore.consumePeerRecord(newer, { expectedPeer: someoneElse })).toBe(false)
    await expect(peerStore.consumePeerRecord(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(Error)
  })
})
