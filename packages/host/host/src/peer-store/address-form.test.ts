import type { PeerId } from '@libp2p/interface'
import { TypedEventEmitter } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { defaultLogger } from '@weft/utils'
import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { describe, expect, it } from 'vitest'
import { addressForm, normaliseStoredAddresses } from './address-form.js'
import { PEER_KEY_PREFIX } from './datastore-backend.js'
import { decodePeer, encodePeer } from './peer-codec.js'
import {
  DEFAULT_PEER_RECORD_LIMITS,
  emptyPeer,
  type StoredAddress,
  toPeer,
  updatePeer,
} from './peer-record-data.js'
import { PeerStore } from './peer-store.js'

const newId = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const form = (peer: PeerId, address: string): string | undefined =>
  addressForm(peer, multiaddr(address))?.toString()
const listOf = (addresses: Iterable<{ multiaddr: { toString(): string } }>): string[] =>
  [...addresses].map((address) => address.multiaddr.toString())

describe('the address form the peer store keeps', () => {
  it('drops a trailing /p2p/ naming the peer, in base58 or as a CID', async () => {
    const peer = await newId()
    expect(form(peer, `/ip4/10.0.0.1/tcp/1/p2p/${peer}`)).toBe('/ip4/10.0.0.1/tcp/1')
    expect(form(peer, `/ip4/10.0.0.1/tcp/1/p2p/${peer.toCID().toString()}`)).toBe('/ip4/10.0.0.1/tcp/1')
    expect(form(peer, '/ip4/10.0.0.1/tcp/1')).toBe('/ip4/10.0.0.1/tcp/1')
  })

  it("leaves out another peer's address and a bare /p2p/", async () => {
    const [peer, other] = [await newId(), await newId()]
    expect(form(peer, `/ip4/10.0.0.1/tcp/1/p2p/${other}`)).toBeUndefined()
    expect(form(peer, `/p2p/${peer}`)).toBeUndefined()
    expect(form(peer, `/ip4/10.0.0.1/tcp/1/p2p/${other}/p2p/${peer}`)).toBeUndefined()
  })

  it('keeps the relay of a circuit address, and checks only what follows the circuit', async () => {
    const [peer, relay, other] = [await newId(), await newId(), await newId()]
    const circuit = `/ip4/10.0.0.9/tcp/4001/p2p/${relay}/p2p-circuit`
    expect(form(peer, circuit)).toBe(circuit)
    expect(form(peer, `${circuit}/p2p/${peer}`)).toBe(circuit)
    expect(form(peer, `${circuit}/p2p/${other}`)).toBeUndefined()
  })

  it('merges stored entries that are one address: the later expiry, certified if either was', async () => {
    const peer = await newId()
    const bare = multiaddr('/ip4/10.0.0.1/tcp/1')
    const named = multiaddr(`/ip4/10.0.0.1/tcp/1/p2p/${peer}`)
    const stored = new Map<string, StoredAddress>([
      [bare.toString(), { multiaddr: bare, isCertified: true, expires: 1_000 }],
      [named.toString(), { multiaddr: named, isCertified: false, expires: 5_000 }],
    ])
    const merged = normaliseStoredAddresses(peer, stored)
    expect([...merged.entries()]).toEqual([
      [bare.toString(), { multiaddr: expect.anything(), isCertified: true, expires: 5_000 }],
    ])
    expect(merged.get(bare.toString())?.multiaddr.toString()).toBe(bare.toString())
    // an entry that never expires is the newest
    const forever = new Map<string, StoredAddress>([
      [named.toString(), { multiaddr: named, isCertified: false }],
      [bare.toString(), { multiaddr: bare, isCertified: false, expires: 9_000 }],
    ])
    expect(normaliseStoredAddresses(peer, forever).get(bare.toString())?.expires).toBeUndefined()
    // nothing to do: the same map back
    const clean = new Map([[bare.toString(), { multiaddr: bare, isCertified: false }]])
    expect(normaliseStoredAddresses(peer, clean)).toBe(clean)
  })
})

describe('one entry per address on every write path', () => {
  it('save, patch and merge store an address once, with or without /p2p/, and drop other peers', async () => {
    const [peer, other] = [await newId(), await newId()]
    const bare = '/ip4/10.0.0.1/tcp/1'
    const named = `${bare}/p2p/${peer}`
    for (const mode of ['save', 'patch', 'merge'] as const) {
      const next = updatePeer(
        emptyPeer(peer),
        {
          multiaddrs: [multiaddr(named), multiaddr(bare), multiaddr(`/ip4/10.0.0.2/tcp/1/p2p/${other}`)],
          addresses: [{ multiaddr: multiaddr(named), isCertified: true }],
        },
        mode,
      )
      expect(listOf(next.addresses.values())).toEqual([bare])
      expect(next.addresses.get(bare)?.isCertified).toBe(true)
    }
  })

  it('a merge of the other form refreshes the entry rather than adding one', async () => {
    const peer = await newId()
    const limits = { ...DEFAULT_PEER_RECORD_LIMITS, addressTtl: 1_000 }
    const first = updatePeer(
      emptyPeer(peer),
      { multiaddrs: [multiaddr('/ip4/10.0.0.1/tcp/1')] },
      'merge',
      limits,
      0,
    )
    const second = updatePeer(
      first,
      { multiaddrs: [multiaddr(`/ip4/10.0.0.1/tcp/1/p2p/${peer}`)] },
      'merge',
      limits,
      900,
    )
    expect(listOf(second.addresses.values())).toEqual(['/ip4/10.0.0.1/tcp/1'])
    expect(second.addresses.get('/ip4/10.0.0.1/tcp/1')?.expires).toBe(1_900)
  })

  it('the peer store (merge from discovery or a dial, patch from identify) keeps one entry', async () => {
    const [self, peer] = [await newId(), await newId()]
    const events = new TypedEventEmitter()
    const store = new PeerStore({
      peerId: self,
      logger: defaultLogger(),
      events: events as never,
      connectionManager: { getConnectionsMap: () => new Map() },
    })
    await store.merge(peer, { multiaddrs: [multiaddr(`/ip4/10.0.0.1/tcp/1/p2p/${peer}`)] })
    await store.merge(peer, { multiaddrs: [multiaddr('/ip4/10.0.0.1/tcp/1')] })
    await store.patch(peer, {
      addresses: [
        { multiaddr: multiaddr('/ip4/10.0.0.1/tcp/1'), isCertified: false },
        { multiaddr: multiaddr(`/ip4/10.0.0.2/tcp/1/p2p/${peer}`), isCertified: false },
      ],
    })
    await store.merge(peer, { multiaddrs: [multiaddr(`/ip4/10.0.0.2/tcp/1/p2p/${peer}`)] })
    expect(listOf((await store.get(peer)).addresses)).toEqual(['/ip4/10.0.0.1/tcp/1', '/ip4/10.0.0.2/tcp/1'])
  })

  it('normalises records written before, when they are loaded from the datastore', async () => {
    const peer = await newId()
    const bare = multiaddr('/ip4/10.0.0.1/tcp/1')
    const named = multiaddr(`/ip4/10.0.0.1/tcp/1/p2p/${peer}`)
    // an old record holding both forms, written as it was then
    const old = emptyPeer(peer)
    old.addresses.set(bare.toString(), { multiaddr: bare, isCertified: false, expires: Date.now() + 1_000 })
    old.addresses.set(named.toString(), { multiaddr: named, isCertified: true, expires: Date.now() + 60_000 })
    const encoded = encodePeer(old)
    const decoded = decodePeer(peer, encoded, DEFAULT_PEER_RECORD_LIMITS).peer
    expect(toPeer(decoded).addresses).toEqual([{ multiaddr: bare, isCertified: true }])

    const datastore = new MemoryDatastore()
    await datastore.put(new Key(`${PEER_KEY_PREFIX}${peer}`), encoded)
    const store = new PeerStore(
      {
        peerId: await newId(),
        logger: defaultLogger(),
        events: new TypedEventEmitter() as never,
        datastore,
        connectionManager: { getConnectionsMap: () => new Map() },
      },
      {},
    )
    await store.start()
    expect(listOf((await store.get(peer)).addresses)).toEqual([bare.toString()])
    await store.stop()
  })
})
