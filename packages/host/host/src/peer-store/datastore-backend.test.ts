import { TypedEventEmitter } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger, delay } from '@weft/utils'
import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { describe, expect, it } from 'vitest'
import { DatastoreBackend, PEER_KEY_PREFIX } from './datastore-backend.js'
import { decodePeer, encodePeer } from './peer-codec.js'
import { DEFAULT_PEER_RECORD_LIMITS, emptyPeer, toPeer, updatePeer } from './peer-record-data.js'
import { PeerStore } from './peer-store.js'

/** a connection manager with no connections: no peer is protected from eviction */
const noConnections = { getConnectionsMap: () => new Map<string, unknown>() }

const newId = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('peer codec', () => {
  it('round-trips addresses with expiry and certification, protocols, metadata, tags and the envelope', async () => {
    const id = await newId()
    const now = 1_700_000_000_000
    const peer = updatePeer(
      emptyPeer(id),
      {
        addresses: [
          { multiaddr: multiaddr('/ip4/10.0.0.1/tcp/1'), isCertified: true },
          { multiaddr: multiaddr('/ip6/::1/udp/2/quic-v1'), isCertified: false },
        ],
        protocols: ['/a/1', '/b/1'],
        metadata: { agent: bytes('weft') },
        tags: { keep: { value: 40 }, brief: { value: 5, ttl: 1000 } },
        peerRecordEnvelope: bytes('envelope'),
      },
      'merge',
      DEFAULT_PEER_RECORD_LIMITS,
      now,
    )
    const { peer: decoded, updated } = decodePeer(id, encodePeer(peer, now), DEFAULT_PEER_RECORD_LIMITS)
    expect(updated).toBe(now)
    expect(decoded).toEqual(peer)
  })

  it('refuses malformed bytes and records over the limits with InvalidPeerRecordError', async () => {
    const id = await newId()
    expect(() => decodePeer(id, new Uint8Array([0x0a, 0xff]), DEFAULT_PEER_RECORD_LIMITS)).toThrow(
      expect.objectContaining({ name: 'InvalidPeerRecordError' }),
    )
    const many = updatePeer(emptyPeer(id), { protocols: ['/1', '/2', '/3'] }, 'merge')
    const limits = { ...DEFAULT_PEER_RECORD_LIMITS, maxProtocols: 2 }
    expect(() => decodePeer(id, encodePeer(many), limits)).toThrow(
      expect.objectContaining({ name: 'InvalidPeerRecordError' }),
    )
  })
})

describe('DatastoreBackend', () => {
  it('keeps records in the datastore and reloads them in a new backend', async () => {
    const datastore = new MemoryDatastore()
    const id = await newId()
    const first = new DatastoreBackend({ datastore })
    await first.put(id.toString(), updatePeer(emptyPeer(id), { protocols: ['/x'] }, 'merge'))
    expect(await datastore.has(new Key(`${PEER_KEY_PREFIX}${id.toString()}`))).toBe(true)
    const second = new DatastoreBackend({ datastore })
    await second.open()
    expect(await second.has(id.toString())).toBe(true)
    expect((await second.get(id.toString()))?.protocols).toEqual(['/x'])
    const all = []
    for await (const peer of second.all()) all.push(peer.id.toString())
    expect(all).toEqual([id.toString()])
  })

  it('evicts the least recently used peer that is not pinned, tagged or protected', async () => {
    const datastore = new MemoryDatastore()
    const [self, tagged, connected, plain1, plain2] = await Promise.all(Array.from({ length: 5 }, newId))
    const backend = new DatastoreBackend({
      datastore,
      maxPeers: 3,
      pinned: [self!.toString()],
      isProtected: (key) => key === connected!.toString(),
    })
    await backend.put(self!.toString(), emptyPeer(self!))
    await backend.put(
      tagged!.toString(),
      updatePeer(emptyPeer(tagged!), { tags: { t: { value: 1 } } }, 'merge'),
    )
    await backend.put(connected!.toString(), emptyPeer(connected!))
    await backend.put(plain1!.toString(), emptyPeer(plain1!))
    // four records, three allowed: plain1 is the only one that may go
    expect(await backend.has(plain1!.toString())).toBe(false)
    // a newcomer that nobody protects is the one to go while the others are protected
    await backend.put(plain2!.toString(), emptyPeer(plain2!))
    expect(await backend.has(plain2!.toString())).toBe(false)
    expect(await backend.has(tagged!.toString())).toBe(true)
    let stored = 0
    for await (const _ of datastore.queryKeys({ prefix: PEER_KEY_PREFIX })) stored++
    expect(stored).toBe(3)
  })

  it('as a last resort evicts protected peers too, never pinned ones: the bound always holds', async () => {
    const [self, tagged] = await Promise.all([newId(), newId()])
    const backend = new DatastoreBackend({
      datastore: new MemoryDatastore(),
      maxPeers: 1,
      pinned: [self!.toString()],
    })
    await backend.put(self!.toString(), emptyPeer(self!))
    await backend.put(
      tagged!.toString(),
      updatePeer(emptyPeer(tagged!), { tags: { t: { value: 1 } } }, 'merge'),
    )
    expect(backend.size).toBe(1)
    expect(await backend.has(self!.toString())).toBe(true)
  })

  it('drops a record that no longer decodes instead of failing', async () => {
    const datastore = new MemoryDatastore()
    const [good, bad] = await Promise.all([newId(), newId()])
    await datastore.put(new Key(`${PEER_KEY_PREFIX}${bad!.toString()}`), new Uint8Array([0x0a, 0xff, 0x01]))
    await datastore.put(new Key(`${PEER_KEY_PREFIX}not-a-peer-id`), new Uint8Array([0]))
    const backend = new DatastoreBackend({ datastore })
    await backend.put(good!.toString(), emptyPeer(good!))
    expect(backend.size).toBe(1)
    expect(await datastore.has(new Key(`${PEER_KEY_PREFIX}${bad!.toString()}`))).toBe(false)
    expect(toPeer((await backend.get(good!.toString()))!).id.equals(good!)).toBe(true)
  })
})

describe('address ttl', () => {
  it('forgets addresses not written again within addressTtl, and refreshes those that are', async () => {
    const id = await newId()
    const limits = { ...DEFAULT_PEER_RECORD_LIMITS, addressTtl: 1000 }
    const a = multiaddr('/ip4/10.0.0.1/tcp/1')
    const b = multiaddr('/ip4/10.0.0.2/tcp/1')
    const start = 1_000_000
    let peer = updatePeer(emptyPeer(id), { multiaddrs: [a, b] }, 'merge', limits, start)
    peer = updatePeer(peer, { multiaddrs: [b] }, 'merge', limits, start + 800)
    expect(toPeer(peer, start + 900).addresses).toHaveLength(2)
    expect(toPeer(peer, start + 1500).addresses.map((address) => address.multiaddr.toString())).toEqual([
      b.toString(),
    ])
    // a write after expiry drops the expired address from the record itself
    peer = updatePeer(peer, { protocols: ['/p'] }, 'merge', limits, start + 1500)
    expect(peer.addresses.size).toBe(1)
  })

  it('never expires the addresses of our own record', async () => {
    const [self, other] = await Promise.all([newId(), newId()])
    const store = new PeerStore(
      {
        peerId: self,
        logger: defaultLogger(),
        events: new TypedEventEmitter(),
        connectionManager: noConnections,
      },
      { addressTtl: 30 },
    )
    const address = multiaddr('/ip4/10.0.0.9/tcp/9')
    await store.patch(self, { multiaddrs: [address] })
    await store.patch(other, { multiaddrs: [address] })
    await delay(60)
    expect((await store.get(self)).addresses).toHaveLength(1)
    expect((await store.get(other)).addresses).toHaveLength(0)
  })
})
