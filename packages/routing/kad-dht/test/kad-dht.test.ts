import { contentRoutingSymbol, type Stream } from '@libp2p/interface'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { StreamReader, streamPair } from '@weft/utils'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_PROTOCOL, Message } from '../src/index.js'
import { encodeMessage, readMessage } from '../src/network.js'
import { FakeNetwork, type FakeNode } from './fake-network.js'

const SIZE = 30

describe('KadDHT on a fake network', () => {
  const network = new FakeNetwork()
  let nodes: FakeNode[]

  beforeAll(async () => {
    nodes = await Promise.all(Array.from({ length: SIZE }, async () => network.add()))
    await network.startAll()
    // each node knows its successor and two others: a connected graph, no full tables
    for (let i = 0; i < SIZE; i++) {
      for (const j of [i + 1, i + 7, i + 13]) {
        network.introduce(nodes[i]!, nodes[j % SIZE]!)
        network.introduce(nodes[j % SIZE]!, nodes[i]!)
      }
    }
    for (const node of nodes) await node.dht.refreshRoutingTable()
  })

  afterAll(async () => {
    await network.stopAll()
  })

  it('serves the protocol in server mode', () => {
    expect(nodes[0]!.dht.getMode()).toBe('server')
    expect(nodes[0]!.handlers.has(DEFAULT_PROTOCOL)).toBe(true)
  })

  it('fills routing tables through lookups', () => {
    for (const node of nodes) expect(node.dht.routingTable.size).toBeGreaterThan(6)
  })

  it('finds every peer over the network, in few rounds', async () => {
    for (let i = 0; i < SIZE; i += 3) {
      const from = nodes[i]!
      const target = nodes[(i + SIZE / 2) % SIZE]!
      const { peer, stats } = await from.dht.lookupPeer(target.peerId)
      expect(peer?.id.equals(target.peerId)).toBe(true)
      expect(peer?.multiaddrs.map(String)).toContain(`/memory/${target.peerId.toString()}`)
      expect(stats.rounds).toBeLessThanOrEqual(4)
      expect(stats.rpcs).toBeGreaterThan(0)
    }
    const info = await nodes[1]!.dht.findPeer(nodes[20]!.peerId, { useCache: false })
    expect(info.id.equals(nodes[20]!.peerId)).toBe(true)
  })

  it('fails to find a peer nobody knows with NotFoundError', async () => {
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await expect(nodes[2]!.dht.findPeer(stranger)).rejects.toThrow(
      expect.objectContaining({ name: 'NotFoundError' }),
    )
  })

  it('returns the k closest peers to a key', async () => {
    const key = new TextEncoder().encode('some key')
    const found = []
    for await (const peer of nodes[3]!.dht.getClosestPeers(key)) found.push(peer.id.toString())
    expect(found.length).toBe(20)
    expect(new Set(found).size).toBe(20)
  })

  it('puts a /pk/ record on one node and gets it from another', async () => {
    const key = await generateKeyPair('Ed25519')
    const recordKey = new Uint8Array([
      ...new TextEncoder().encode('/pk/'),
      ...peerIdFromPrivateKey(key).toMultihash().bytes,
    ])
    const value = publicKeyToProtobuf(key.publicKey)
    await nodes[4]!.dht[contentRoutingSymbol].put(recordKey, value)
    const got = await nodes[25]!.dht[contentRoutingSymbol].get(recordKey)
    expect(got).toEqual(value)
    // stored on the nodes closest to the key, not only on the writer
    let holders = 0
    for (const node of nodes) {
      try {
        await node.dht[contentRoutingSymbol].get(recordKey, { useNetwork: false })
        holders++
      } catch (err) {
        expect(err).toHaveProperty('name', 'NotFoundError')
      }
    }
    expect(holders).toBeGreaterThan(5)
  })

  it('rejects a record no validator accepts, locally and remotely', async () => {
    const bad = new TextEncoder().encode('/nope/key')
    await expect(nodes[5]!.dht[contentRoutingSymbol].put(bad, new Uint8Array([1]))).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidRecordError' }),
    )
    await expect(nodes[5]!.dht[contentRoutingSymbol].get(bad)).rejects.toThrow(
      expect.objectContaining({ name: 'NotFoundError' }),
    )
  })

  it('provides a CID on one node and finds the provider from another', async () => {
    const cid = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('hello dht')))
    await nodes[6]!.dht[contentRoutingSymbol].provide(cid)
    const providers = []
    for await (const provider of nodes[17]!.dht[contentRoutingSymbol].findProviders(cid))
      providers.push(provider)
    expect(providers.map((p) => p.id.toString())).toContain(nodes[6]!.peerId.toString())
    expect(providers[0]!.multiaddrs.length).toBeGreaterThan(0)
  })

  it('answers several requests on one inbound stream, and resets a stream that sends garbage', async () => {
    const node = nodes[7]!
    const handler = node.handlers.get(DEFAULT_PROTOCOL)!
    const [outbound, inbound] = streamPair()
    void handler(inbound as unknown as Stream, { remotePeer: nodes[8]!.peerId } as never)
    const reader = new StreamReader(outbound)
    for (let i = 0; i < 3; i++) {
      outbound.send(
        encodeMessage({ type: Message.MessageType.FIND_NODE, key: nodes[9]!.peerId.toMultihash().bytes }),
      )
      const reply = await readMessage(reader, 1 << 20)
      expect(reply?.type).toBe(Message.MessageType.FIND_NODE)
      expect(reply!.closerPeers.length).toBeGreaterThan(0)
    }
    outbound.send(new Uint8Array([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]))
    await expect(readMessage(reader, 1 << 20)).rejects.toThrow()
    expect(['reset', 'aborted', 'closed']).toContain(
      outbound.status === 'open' ? inbound.status : outbound.status,
    )
    // the node still answers others
    const { peer } = await nodes[10]!.dht.lookupPeer(node.peerId)
    expect(peer).toBeDefined()
  })

  it('in client mode queries others but serves nothing', async () => {
    const client = await network.add({ clientMode: true })
    await client.dht.start()
    expect(client.handlers.size).toBe(0)
    network.introduce(client, nodes[0]!)
    const { peer } = await client.dht.lookupPeer(nodes[15]!.peerId)
    expect(peer?.id.equals(nodes[15]!.peerId)).toBe(true)
    await client.dht.setMode('server')
    expect(client.handlers.has(DEFAULT_PROTOCOL)).toBe(true)
    await client.dht.stop()
    expect(client.handlers.size).toBe(0)
  })

  it('drops peers that stop answering from the routing table', async () => {
    const gone = nodes[11]!
    const asker = nodes.find((node) => node.dht.routingTable.has(gone.peerId) && node !== gone)!
    gone.online = false
    try {
      for await (const _ of asker.dht.getClosestPeers(gone.peerId.toMultihash().bytes)) {
        // the lookup's failed request to `gone` is what counts
      }
      expect(asker.dht.routingTable.has(gone.peerId)).toBe(false)
    } finally {
      gone.online = true
      network.introduce(asker, gone)
    }
  })

  it('uses a private protocol id when given one', async () => {
    const node = await network.add({ protocol: '/private/kad/1.0.0' })
    await node.dht.start()
    expect([...node.handlers.keys()]).toEqual(['/private/kad/1.0.0'])
    await node.dht.stop()
  })

  it('refuses lookups once stopped', async () => {
    const node = await network.add()
    await node.dht.start()
    await node.dht.stop()
    await expect(node.dht.lookupPeer(nodes[0]!.peerId)).rejects.toThrow(
      expect.objectContaining({ name: 'DHTStoppedError' }),
    )
  })
})

describe('KadDHT limits', () => {
  it('queues requests past maxInFlightPerPeer instead of sending them at once', async () => {
    const strangers = await Promise.all(
      Array.from({ length: 5 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))),
    )
    const network = new FakeNetwork()
    const [a, b] = [await network.add({ maxInFlightPerPeer: 1 }), await network.add()]
    await network.startAll()
    network.introduce(a, b)
    // the server holds each request 50 ms; with one slot, only one stream is open by 25 ms
    let opened = 0
    const handler = b.handlers.get(DEFAULT_PROTOCOL)!
    b.handlers.set(DEFAULT_PROTOCOL, async (stream, connection) => {
      opened++
      await new Promise((resolve) => setTimeout(resolve, 50))
      await handler(stream, connection)
    })
    // five lookups, each a single FIND_NODE to b, a's only peer
    const lookups = strangers.map(async (stranger) => a.dht.lookupPeer(stranger))
    await new Promise((resolve) => setTimeout(resolve, 25))
    expect(opened).toBe(1)
    const results = await Promise.all(lookups)
    expect(results.every(({ stats }) => stats.rpcs === 1 && stats.failures === 0)).toBe(true)
    expect(opened).toBe(5)
    await network.stopAll()
  })
})
