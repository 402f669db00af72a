import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { MemoryDatastore } from 'datastore-core'
import { LevelDatastore } from 'datastore-level'
import { describe, expect, it } from 'vitest'
import { Providers } from './providers.js'
import { RecordStore } from './record-store.js'

const peer = async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const key = new Uint8Array([0x12, 0x20, ...new Uint8Array(32).fill(7)])

describe('Providers', () => {
  it('stores providers with their addresses, newest first', async () => {
    let now = 1000
    const providers = new Providers({ datastore: new MemoryDatastore(), now: () => now })
    const [a, b] = [await peer(), await peer()]
    await providers.add(key, a, [multiaddr('/ip4/127.0.0.1/tcp/1')])
    now = 2000
    await providers.add(key, b, [])
    const got = await providers.get(key)
    expect(got.map((record) => record.peerId.toString())).toEqual([b.toString(), a.toString()])
    expect(got[1]!.multiaddrs.map(String)).toEqual(['/ip4/127.0.0.1/tcp/1'])
    expect(await providers.get(new Uint8Array([1, 2, 3]))).toEqual([])
  })

  it('expires records after the expiry and sweeps them', async () => {
    let now = 0
    const datastore = new MemoryDatastore()
    const providers = new Providers({ datastore, expiry: 100, now: () => now })
    await providers.add(key, await peer(), [])
    await providers.add(new Uint8Array([1]), await peer(), [])
    now = 50
    expect(await providers.get(key)).toHaveLength(1)
    now = 100
    expect(await providers.get(key)).toHaveLength(0)
    expect(await providers.sweep()).toBe(1) // the other key's record
  })

  it('keeps at most maxPerKey providers, dropping the oldest', async () => {
    let now = 0
    const providers = new Providers({ datastore: new MemoryDatastore(), maxPerKey: 3, now: () => now++ })
    const ids = await Promise.all(Array.from({ length: 5 }, peer))
    for (const id of ids) await providers.add(key, id, [])
    const kept = (await providers.get(key)).map((record) => record.peerId.toString())
    expect(kept).toEqual(ids.slice(2).reverse().map(String))
    // renewing a kept provider does not evict anyone
    await providers.add(key, ids[3]!, [])
    expect(await providers.get(key)).toHaveLength(3)
  })

  it('persists provider and value records in LevelDB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-kad-'))
    try {
      const id = await peer()
      let datastore = new LevelDatastore(dir)
      await datastore.open()
      await new Providers({ datastore }).add(key, id, [])
      await new RecordStore({ datastore }).put(new TextEncoder().encode('/pk/x'), new Uint8Array([1, 2]))
      await datastore.close()
      datastore = new LevelDatastore(dir)
      await datastore.open()
      expect((await new Providers({ datastore }).get(key)).map((r) => r.peerId.toString())).toEqual([
        id.toString(),
      ])
      const value = (await new RecordStore({ datastore }).get(new TextEncoder().encode('/pk/x')))?.value
      expect([...(value ?? [])]).toEqual([1, 2])
      await datastore.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('RecordStore', () => {
  it('stamps records with the time received and forgets them after maxAge', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const store = new RecordStore({ datastore: new MemoryDatastore(), maxAge: 1000, now: () => now })
    const k = new TextEncoder().encode('/pk/k')
    await store.put(k, new Uint8Array([9]))
    expect((await store.get(k))?.timeReceived).toBe('2026-01-01T00:00:00.000Z')
    now += 1001
    expect(await store.get(k)).toBeUndefined()
    expect(await store.get(new Uint8Array([1]))).toBeUndefined()
  })
})
