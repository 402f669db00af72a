/**
 * weft's Kademlia DHT and js-libp2p's @libp2p/kad-dht (16.x) in one network
 * on TCP loopback, in both directions: find a peer, put and get a value,
 * provide and find providers. The six nodes form a chain that alternates
 * implementations (w0 - j0 - w1 - j1 - w2 - j2), so every lookup crosses
 * both, and the ends know each other only through the DHT.
 */
import type { Libp2p } from '@libp2p/interface'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsDHTNode, waitForDHTPeer, weftDHTNode } from './kad-nodes.js'

/** A /pk/ record: `/pk/` + the peer id multihash, the protobuf public key as value. */
async function publicKeyRecord(): Promise<{ key: Uint8Array; value: Uint8Array }> {
  const privateKey = await generateKeyPair('Ed25519')
  const value = publicKeyToProtobuf(privateKey.publicKey)
  const key = new Uint8Array([
    ...new TextEncoder().encode('/pk/'),
    ...peerIdFromPrivateKey(privateKey).toMultihash().bytes,
  ])
  return { key, value }
}

/** Some content id: the CID of a fresh peer id (this package has no direct multiformats dependency). */
async function freshCID() {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toCID()
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

describe('kad-dht: weft ⇄ js-libp2p', { timeout: 120_000 }, () => {
  let weft: Libp2p[]
  let js: Libp2p[]

  beforeAll(async () => {
    weft = (await Promise.all([weftDHTNode(), weftDHTNode(), weftDHTNode()])) as unknown as Libp2p[]
    js = (await Promise.all([jsDHTNode(), jsDHTNode(), jsDHTNode()])) as unknown as Libp2p[]
    const chain = [weft[0]!, js[0]!, weft[1]!, js[1]!, weft[2]!, js[2]!]
    for (let i = 0; i + 1 < chain.length; i++) {
      const [a, b] = [chain[i]!, chain[i + 1]!]
      await a.dial(b.getMultiaddrs()[0]!)
      await Promise.all([waitForDHTPeer(a, b.peerId), waitForDHTPeer(b, a.peerId)])
    }
    // let both sides put each other in their routing tables and run a self lookup
    await new Promise((resolve) => setTimeout(resolve, 1_500))
  }, 60_000)

  afterAll(async () => {
    await Promise.all([...(weft ?? []), ...(js ?? [])].map(async (node) => node.stop()))
  })

  it('weft finds a js peer through the network', async () => {
    const target = js[2]!
    const info = await weft[0]!.peerRouting.findPeer(target.peerId, {
      useCache: false,
      signal: AbortSignal.timeout(30_000),
    })
    expect(info.id.equals(target.peerId)).toBe(true)
    expect(info.multiaddrs.map(String)).toContain(target.getMultiaddrs()[0]!.decapsulateCode(421).toString())
  })

  it('js finds a weft peer through the network', async () => {
    const target = weft[2]!
    const info = await js[0]!.peerRouting.findPeer(target.peerId, {
      useCache: false,
      signal: AbortSignal.timeout(30_000),
    })
    expect(info.id.equals(target.peerId)).toBe(true)
    expect(info.multiaddrs.length).toBeGreaterThan(0)
  })

  it('weft puts a value that js gets', async () => {
    const { key, value } = await publicKeyRecord()
    await weft[0]!.contentRouting.put(key, value, { signal: AbortSignal.timeout(30_000) })
    const got = await js[2]!.contentRouting.get(key, { signal: AbortSignal.timeout(30_000) })
    expect(got).toEqual(value)
  })

  it('js puts a value that weft gets', async () => {
    const { key, value } = await publicKeyRecord()
    await js[0]!.contentRouting.put(key, value, { signal: AbortSignal.timeout(30_000) })
    const got = await weft[2]!.contentRouting.get(key, { signal: AbortSignal.timeout(30_000) })
    expect([...got]).toEqual([...value])
  })

  it('weft provides a CID that js finds', async () => {
    const cid = await freshCID()
    await weft[0]!.contentRouting.provide(cid, { signal: AbortSignal.timeout(30_000) })
    const providers = await collect(
      js[2]!.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(30_000) }),
    )
    expect(providers.map((provider) => provider.id.toString())).toContain(weft[0]!.peerId.toString())
  })

  it('js provides a CID that weft finds', async () => {
    const cid = await freshCID()
    await js[0]!.contentRouting.provide(cid, { signal: AbortSignal.timeout(30_000) })
    const providers = await collect(
      weft[2]!.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(30_000) }),
    )
    const found = providers.find((provider) => provider.id.equals(js[0]!.peerId))
    expect(found).toBeDefined()
    expect(found!.multiaddrs.length).toBeGreaterThan(0)
  })
})
