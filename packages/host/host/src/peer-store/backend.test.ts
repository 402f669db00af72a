import { generateKeyPair } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import { MemoryPeerStoreBackend } from './backend.js'
import { emptyPeer } from './peer-record-data.js'

describe('MemoryPeerStoreBackend', () => {
  it('drops the least recently used record beyond maxPeers, never a pinned one', async () => {
    const ids = await Promise.all(
      Array.from({ length: 4 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))),
    )
    const backend = new MemoryPeerStoreBackend({ maxPeers: 2, pinned: [ids[0]!.toString()] })
    for (const id of ids.slice(0, 3)) await backend.put(id.toString(), emptyPeer(id))
    // ids[0] is pinned, ids[1] was the oldest unpinned one
    expect(await backend.has(ids[0]!.toString())).toBe(true)
    expect(await backend.has(ids[1]!.toString())).toBe(false)
    expect(await backend.has(ids[2]!.toString())).toBe(true)
    // a read refreshes: ids[2] survives, nothing else to drop but pinned
    await backend.get(ids[2]!.toString())
    await backend.put(ids[3]!.toString(), emptyPeer(ids[3]!))
    expect(await backend.has(ids[2]!.toString())).toBe(false)
    expect(backend.size).toBe(2)
    const all = []
    for await (const record of backend.all()) all.push(record.id.toString())
    expect(all.sort()).toEqual([ids[0]!.toString(), ids[3]!.toString()].sort())
  })
})
