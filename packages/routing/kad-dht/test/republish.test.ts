/**
 * Issue 15: records a node put are re-put every `recordRepublishInterval`,
 * so a peer that joins after the put gets them, until the publisher stops;
 * records stored for others expire after `recordExpiry` and are deleted.
 * Short intervals on the in-process network of fake-network.ts.
 */
import { contentRoutingSymbol } from '@libp2p/interface'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeNetwork, type FakeNode } from './fake-network.js'

const INTERVAL = 150

/** A valid `/pk/` record: the key names a fresh peer id, the value is its public key. */
async function pkRecord(): Promise<{ key: Uint8Array; value: Uint8Array }> {
  const privateKey = await generateKeyPair('Ed25519')
  const key = new Uint8Array([
    ...new TextEncoder().encode('/pk/'),
    ...peerIdFromPrivateKey(privateKey).toMultihash().bytes,
  ])
  return { key, value: publicKeyToProtobuf(privateKey.publicKey) }
}

/** The value `node` holds itself (no network), or undefined. */
async function localValue(node: FakeNode, key: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    return await node.dht[contentRoutingSymbol].get(key, { useNetwork: false })
  } catch (err) {
    if ((err as Error).name === 'NotFoundError') return undefined
    throw err
  }
}

/** Polls `check` every 20 ms until it holds or `timeout` ms pass; says whether it held. */
async function eventually(check: () => Promise<boolean>, timeout: number): Promise<boolean> {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return check()
}

function join(network: FakeNetwork, a: FakeNode, b: FakeNode): void {
  network.introduce(a, b)
  network.introduce(b, a)
}

describe('KadDHT record republishing', () => {
  let network: FakeNetwork

  afterEach(async () => {
    await network.stopAll()
  })

  it('re-puts a value on a peer that joined after the put, and stops once the publisher stops', async () => {
    network = new FakeNetwork()
    const publisher = await network.add({ recordRepublishInterval: INTERVAL })
    const others = await Promise.all(Array.from({ length: 4 }, async () => network.add()))
    await network.startAll()
    const nodes = [publisher, ...others]
    for (const a of nodes) for (const b of nodes) if (a !== b) network.introduce(a, b)

    const { key, value } = await pkRecord()
    await publisher.dht[contentRoutingSymbol].put(key, value)
    expect(await localValue(others[0]!, key)).toEqual(value)

    // a fresh peer joins after the put, known only to one other peer
    const late = await network.add()
    await late.dht.start()
    join(network, late, others[0]!)
    expect(await localValue(late, key)).toBeUndefined()
    const arrived = await eventually(async () => (await localValue(late, key)) != null, 20 * INTERVAL)
    expect(arrived).toBe(true)
    expect(await localValue(late, key)).toEqual(value)

    // once the publisher stops, nobody re-puts the record
    await publisher.dht.stop()
    publisher.online = false
    const later = await network.add()
    await later.dht.start()
    join(network, later, others[0]!)
    const reached = await eventually(async () => (await localValue(later, key)) != null, 5 * INTERVAL)
    expect(reached).toBe(false)
  })

  it('does not re-put when the interval is 0, and stops re-putting a cancelled key', async () => {
    network = new FakeNetwork()
    const off = await network.add({ recordRepublishInterval: 0 })
    const publisher = await network.add({ recordRepublishInterval: INTERVAL })
    const peer = await network.add()
    await network.startAll()
    join(network, off, peer)
    join(network, publisher, peer)
    join(network, off, publisher)

    const first = await pkRecord()
    const second = await pkRecord()
    await off.dht[contentRoutingSymbol].put(first.key, first.value)
    await publisher.dht[contentRoutingSymbol].put(second.key, second.value)
    publisher.dht.cancelRepublish(second.key)

    const late = await network.add()
    await late.dht.start()
    join(network, late, peer)
    const reached = await eventually(
      async () => (await localValue(late, first.key)) != null || (await localValue(late, second.key)) != null,
      5 * INTERVAL,
    )
    expect(reached).toBe(false)
  })

  it('bounds the records it republishes with DHTLimitError, and a put of a known key still works', async () => {
    network = new FakeNetwork()
    const node = await network.add({ recordRepublishInterval: INTERVAL, maxRepublishedRecords: 2 })
    await network.startAll()
    const records = await Promise.all([pkRecord(), pkRecord(), pkRecord()])
    const routing = node.dht[contentRoutingSymbol]
    await routing.put(records[0]!.key, records[0]!.value)
    await routing.put(records[1]!.key, records[1]!.value)
    await expect(routing.put(records[2]!.key, records[2]!.value)).rejects.toThrow(
      expect.objectContaining({ name: 'DHTLimitError' }),
    )
    await routing.put(records[0]!.key, records[0]!.value)
    node.dht.cancelRepublish(records[0]!.key)
    await routing.put(records[2]!.key, records[2]!.value)
  })

  it('drops records stored for others after recordExpiry, from its datastore too', async () => {
    network = new FakeNetwork()
    const expiry = 300
    const datastore = new MemoryDatastore()
    const publisher = await network.add({ recordRepublishInterval: 0, recordExpiry: expiry })
    const holder = await network.add({ recordExpiry: expiry, recordRepublishInterval: 0, datastore })
    await network.startAll()
    join(network, publisher, holder)

    const { key, value } = await pkRecord()
    await publisher.dht[contentRoutingSymbol].put(key, value)
    expect(await localValue(holder, key)).toEqual(value)
    const storedKeys = async (): Promise<string[]> => {
      const keys: string[] = []
      for await (const entry of datastore.queryKeys({ prefix: '/dht/record/' })) keys.push(entry.toString())
      return keys
    }
    expect(await storedKeys()).toHaveLength(1)

    // the sweep, every `recordExpiry` here, deletes it without anyone asking for it
    const swept = await eventually(async () => (await storedKeys()).length === 0, 10 * expiry)
    expect(swept).toBe(true)
    expect(await localValue(holder, key)).toBeUndefined()
    await expect(holder.dht[contentRoutingSymbol].get(key)).rejects.toThrow(
      expect.objectContaining({ name: 'NotFoundError' }),
    )
  })

  it('keeps a republished record alive past recordExpiry on the peers storing it', async () => {
    network = new FakeNetwork()
    const expiry = 1_000
    const publisher = await network.add({ recordRepublishInterval: INTERVAL, recordExpiry: expiry })
    const holder = await network.add({ recordExpiry: expiry, recordRepublishInterval: 0 })
    await network.startAll()
    join(network, publisher, holder)

    const { key, value } = await pkRecord()
    await publisher.dht[contentRoutingSymbol].put(key, value)
    await new Promise((resolve) => setTimeout(resolve, 2 * expiry))
    expect(await localValue(holder, key)).toEqual(value)
  })
})
