/**
 * What a request costs the provider and record stores, whatever they hold:
 * ADD_PROVIDER, GET_PROVIDERS, PUT_VALUE and GET_VALUE touch only their own
 * key's entries (no query, which a MemoryDatastore answers by walking every
 * entry), on the memory datastore and on LevelDB; the caps evict the oldest;
 * the sweep visits only expired records.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { logger, StreamReader, streamPair } from '@weft/utils'
import { MemoryDatastore } from 'datastore-core'
import { LevelDatastore } from 'datastore-level'
import { type Datastore, Key, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import { describe, expect, it } from 'vitest'
import { Message } from './message.pb.js'
import { encodeMessage, readMessage } from './network.js'
import { Providers } from './providers.js'
import { RecordStore } from './record-store.js'
import { defaultValidators } from './records.js'
import { RoutingTable } from './routing-table.js'
import { RequestHandler, serveRequests } from './rpc-handler.js'

/** A MemoryDatastore that counts the queries it answers and every entry those walk. */
class CountingMemory extends MemoryDatastore {
  queries = 0
  walked = 0
  gets = 0

  override get(key: Key, options?: { signal?: AbortSignal }): Uint8Array | Promise<Uint8Array> {
    this.gets++
    return super.get(key, options)
  }

  override async *_all(q: Query, options?: { signal?: AbortSignal }): AsyncGenerator<Pair> {
    this.queries++
    for await (const pair of super._all(q, options)) {
      this.walked++
      yield pair
    }
  }

  override async *_allKeys(q: KeyQuery, options?: { signal?: AbortSignal }): AsyncGenerator<Key> {
    this.queries++
    for await (const key of super._allKeys(q, options)) {
      this.walked++
      yield key
    }
  }
}

/** LevelDB answers a prefix query with a range scan; this counts the queries and what they yield. */
class CountingLevel extends LevelDatastore {
  queries = 0
  walked = 0

  override async *query(q: Query, options?: { signal?: AbortSignal }): AsyncGenerator<Pair> {
    this.queries++
    for await (const pair of super.query(q, options)) {
      this.walked++
      yield pair
    }
  }
}

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const randomKey = (): Uint8Array<ArrayBuffer> => {
  const key = new Uint8Array(34)
  key.set([0x12, 0x20])
  crypto.getRandomValues(key.subarray(2))
  return key
}

function handlerOver(datastore: Datastore, self: PeerId) {
  const providers = new Providers({ datastore, maxTotal: 100_000 })
  const records = new RecordStore({ datastore })
  const handler = new RequestHandler({
    self,
    routingTable: new RoutingTable(self),
    providers,
    records,
    validators: defaultValidators(),
    addressesOf: async () => [],
    maxRecordSize: 1024,
    maxProvidersPerReply: 20,
    log: logger('test'),
  })
  return { providers, records, handler }
}

const addProvider = (from: PeerId, key: Uint8Array<ArrayBuffer>): Message =>
  Message.decode(
    Message.encode({
      type: Message.MessageType.ADD_PROVIDER,
      key,
      providerPeers: [
        {
          id: from.toMultihash().bytes,
          addrs: [multiaddr('/ip4/127.0.0.1/tcp/4001').bytes],
          connection: Message.ConnectionType.CONNECTED,
        },
      ],
    }),
  )

async function pkRecord(): Promise<{ key: Uint8Array<ArrayBuffer>; value: Uint8Array<ArrayBuffer> }> {
  const pair = await generateKeyPair('Ed25519')
  const key = new Uint8Array([
    ...new TextEncoder().encode('/pk/'),
    ...peerIdFromPrivateKey(pair).toMultihash().bytes,
  ])
  return { key, value: publicKeyToProtobuf(pair.publicKey) as Uint8Array<ArrayBuffer> }
}

/** Sends one of each request for fresh and stored keys; returns the replies that carried something. */
async function everyRequest(handler: RequestHandler, from: PeerId, stored: Uint8Array<ArrayBuffer>) {
  const key = randomKey()
  await handler.handle(from, addProvider(from, key))
  const fresh = await handler.handle(from, { type: Message.MessageType.GET_PROVIDERS, key } as Message)
  const old = await handler.handle(from, { type: Message.MessageType.GET_PROVIDERS, key: stored } as Message)
  const { key: recordKey, value } = await pkRecord()
  const record = { key: recordKey, value, timeReceived: '' }
  await handler.handle(from, { type: Message.MessageType.PUT_VALUE, key: recordKey, record } as Message)
  const got = await handler.handle(from, { type: Message.MessageType.GET_VALUE, key: recordKey } as Message)
  return [fresh?.providerPeers?.length, old?.providerPeers?.length, got?.record?.value?.length]
}

describe('store cost of a request', () => {
  it('walks no entry of other keys on a MemoryDatastore holding thousands', async () => {
    const datastore = new CountingMemory()
    const self = await newPeer()
    const from = await newPeer()
    for (let i = 0; i < 3_000; i++) await datastore.put(new Key(`/peers/${i}`), new Uint8Array(8))
    const { providers, records, handler } = handlerOver(datastore, self)
    const keys = Array.from({ length: 3_000 }, randomKey)
    for (const key of keys) await handler.handle(from, addProvider(from, key))
    expect(providers.size).toBe(3_000)
    expect(await records.get(randomKey())).toBeUndefined()
    // building each store's index on first use was its one query
    expect(datastore.queries).toBe(2)
    datastore.walked = 0
    datastore.queries = 0
    datastore.gets = 0
    for (let i = 0; i < 20; i++) {
      expect(await everyRequest(handler, from, keys[i]!)).toEqual([1, 1, 36])
    }
    expect(datastore.queries).toBe(0)
    expect(datastore.walked).toBe(0)
    // each GET_PROVIDERS reads its key's one record, each GET_VALUE its record
    expect(datastore.gets).toBe(20 * 3)
  })

  it('runs no query on LevelDB after loading, and loads what an earlier run stored', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-kad-cost-'))
    try {
      const self = await newPeer()
      const from = await newPeer()
      let datastore = new CountingLevel(dir)
      await datastore.open()
      let { handler } = handlerOver(datastore, self)
      const keys = Array.from({ length: 300 }, randomKey)
      for (const key of keys) await handler.handle(from, addProvider(from, key))
      expect(await everyRequest(handler, from, keys[0]!)).toEqual([1, 1, 36])
      expect(datastore.queries).toBe(2)
      await datastore.close()

      datastore = new CountingLevel(dir)
      await datastore.open()
      ;({ handler } = handlerOver(datastore, self))
      expect(await everyRequest(handler, from, keys[1]!)).toEqual([1, 1, 36])
      expect(datastore.queries).toBe(2) // the load, once per store
      expect(datastore.walked).toBe(301 + 1) // the provider and value records of the first run
      for (let i = 0; i < 10; i++) await everyRequest(handler, from, keys[i]!)
      expect(datastore.queries).toBe(2)
      await datastore.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('sweeps only expired records, oldest first, without a query', async () => {
    let now = 0
    const datastore = new CountingMemory()
    const providers = new Providers({ datastore, expiry: 1_000, now: () => now })
    const peer = await newPeer()
    for (let i = 0; i < 1_000; i++) {
      now = i
      await providers.add(randomKey(), peer, [])
    }
    datastore.queries = 0
    now = 1_010 // records added at 0..10 have expired
    expect(await providers.sweep()).toBe(11)
    expect(await providers.sweep()).toBe(0)
    expect(providers.size).toBe(989)
    expect(datastore.queries).toBe(0)
  })
})

describe('store caps', () => {
  it('keeps at most maxTotal provider records, evicting the least recently added or renewed', async () => {
    let now = 0
    const datastore = new CountingMemory()
    const providers = new Providers({ datastore, maxTotal: 3, now: () => now++ })
    const peer = await newPeer()
    const keys = Array.from({ length: 4 }, randomKey)
    for (const key of keys.slice(0, 3)) await providers.add(key, peer, [])
    await providers.add(keys[0]!, peer, []) // renewed: now the newest
    await providers.add(keys[3]!, peer, []) // evicts keys[1]
    expect(providers.size).toBe(3)
    expect(await providers.get(keys[1]!)).toEqual([])
    for (const key of [keys[0]!, keys[2]!, keys[3]!]) expect(await providers.get(key)).toHaveLength(1)
    // the evicted record left the datastore too
    let stored = 0
    for await (const _ of datastore.query({ prefix: '/dht/provider/' })) stored++
    expect(stored).toBe(3)
  })

  it('applies the caps to what a datastore held from an earlier run, keeping the newest', async () => {
    let now = 0
    const datastore = new MemoryDatastore()
    const before = new Providers({ datastore, now: () => now++ })
    const peer = await newPeer()
    const keys = Array.from({ length: 10 }, randomKey)
    for (const key of keys) await before.add(key, peer, [])
    const after = new Providers({ datastore, maxTotal: 4, now: () => now })
    expect(await after.get(keys[9]!)).toHaveLength(1)
    expect(after.size).toBe(4)
    expect(await after.get(keys[5]!)).toEqual([])
    let stored = 0
    for await (const _ of datastore.query({ prefix: '/dht/provider/' })) stored++
    expect(stored).toBe(4)
  })

  it('keeps at most 16 addresses and 1 KiB of addresses per provider record', async () => {
    const providers = new Providers({ datastore: new MemoryDatastore() })
    const peer = await newPeer()
    const key = randomKey()
    const big = new Uint8Array(2_000) // not even a multiaddr: never kept
    const addrs = Array.from({ length: 40 }, (_, i) => multiaddr(`/ip4/127.0.0.1/tcp/${1000 + i}`).bytes)
    await providers.addWire(key, peer, [big, ...addrs])
    const [record] = await providers.getWire(key)
    expect(record?.addrs).toHaveLength(16)
    expect(record?.addrs.map((bytes) => multiaddr(bytes).toString())[0]).toBe('/ip4/127.0.0.1/tcp/1000')
  })

  it('keeps at most maxRecords value records and maxBytes bytes, evicting the oldest', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const store = new RecordStore({ datastore: new MemoryDatastore(), maxRecords: 3, now: () => now++ })
    const text = (s: string): Uint8Array => new TextEncoder().encode(s)
    for (const name of ['a', 'b', 'c']) await store.put(text(`/x/${name}`), new Uint8Array(10))
    await store.put(text('/x/a'), new Uint8Array(10)) // renewed
    await store.put(text('/x/d'), new Uint8Array(10)) // evicts /x/b
    expect(store.size).toBe(3)
    expect(await store.get(text('/x/b'))).toBeUndefined()
    expect(await store.get(text('/x/a'))).toBeDefined()

    const small = new RecordStore({ datastore: new MemoryDatastore(), maxBytes: 250 })
    for (let i = 0; i < 5; i++) await small.put(text(`/x/${i}`), new Uint8Array(100))
    expect(small.bytes).toBeLessThanOrEqual(250)
    expect(small.size).toBe(1)
    expect(await small.get(text('/x/4'))).toBeDefined()
  })
})

describe('serveRequests', () => {
  it('lets the event loop run between the requests of one stream', async () => {
    const self = await newPeer()
    const { handler } = handlerOver(new MemoryDatastore(), self)
    const [client, server] = streamPair()
    const ping = encodeMessage({ type: Message.MessageType.PING })
    const all = new Uint8Array(ping.byteLength * 32)
    for (let i = 0; i < 32; i++) all.set(ping, i * ping.byteLength)
    client.send(all)
    await client.close()
    let turns = 0
    let serving = true
    const spin = (): void => {
      turns++
      if (serving) setImmediate(spin)
    }
    setImmediate(spin)
    const connection = { remotePeer: await newPeer() } as Connection
    await serveRequests(server, connection, {
      handler,
      maxMessageSize: 1024,
      maxRequests: 32,
      idleTimeout: 1_000,
      signal: new AbortController().signal,
      log: logger('test'),
    })
    serving = false
    const reader = new StreamReader(client)
    let replies = 0
    while ((await readMessage(reader, 1024)) != null) replies++
    expect(replies).toBe(32)
    expect(turns).toBeGreaterThanOrEqual(16)
  })
})
