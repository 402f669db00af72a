/**
 * weft's Kademlia DHT and go-libp2p-kad-dht in one network on TCP loopback,
 * both directions: find a peer, provide and find providers, put and get a
 * `/pk/` record that both stacks validate. Six hosts form a chain that
 * alternates the stacks (w0 - g0 - w1 - g1 - w2 - g2), so every lookup
 * crosses both and the ends know each other only through the DHT.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey, peerIdFromString } from '@weft/peer-id'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GoAgent, goBinary } from './agent.js'
import { ResultTable } from './results.js'
import { GO_NOT_RUN, type Host, KAD_PROTOCOL, waitUntil, weftDHTHost } from './weft-nodes.js'

const GO = 'go-libp2p-kad-dht'
const results = new ResultTable(
  'kad-dht',
  'A chain of six DHT servers alternating weft and go-libp2p (w0 - g0 - w1 - g1 - w2 - g2), protocol /ipfs/kad/1.0.0; ' +
    'each lookup starts at one end and its target is at the other.',
)

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

async function freshCID() {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toCID()
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Resolves once weft host `node` knows that `peer` speaks the DHT. */
async function weftKnowsDHTPeer(node: Host, peer: string): Promise<void> {
  const id = peerIdFromString(peer)
  await waitUntil(
    async () => {
      try {
        return (await node.peerStore.get(id as never)).protocols.includes(KAD_PROTOCOL)
      } catch {
        return false
      }
    },
    10_000,
    `weft ${node.peerId} learning that ${peer} speaks ${KAD_PROTOCOL}`,
  )
}

async function goKnowsDHTPeer(node: GoAgent, peer: string): Promise<void> {
  await waitUntil(
    async () => (await node.request<string[]>('routing-table')).includes(peer),
    10_000,
    `${node.label} adding ${peer} to its routing table`,
  )
}

describe.skipIf(GO_NOT_RUN !== '')(
  `kad-dht: weft ⇄ go-libp2p-kad-dht${GO_NOT_RUN}`,
  { timeout: 120_000 },
  () => {
    let weft: Host[] = []
    let go: GoAgent[] = []

    beforeAll(async () => {
      await goBinary()
      weft = await Promise.all([weftDHTHost(), weftDHTHost(), weftDHTHost()])
      go = await Promise.all(
        [0, 1, 2].map((i) => GoAgent.start(`g${i}`, { dht: { mode: 'server', protocol: KAD_PROTOCOL } })),
      )
      // w0 - g0 - w1 - g1 - w2 - g2: each weft host dials the go host after it, each go host the weft host after it
      for (let i = 0; i < 3; i++) {
        await weft[i]!.dial(multiaddr(go[i]!.address))
        await Promise.all([
          weftKnowsDHTPeer(weft[i]!, go[i]!.peerId),
          goKnowsDHTPeer(go[i]!, weft[i]!.peerId.toString()),
        ])
        const next = weft[i + 1]
        if (next == null) continue
        await go[i]!.request('connect', { addr: `${next.getMultiaddrs()[0]}` })
        await Promise.all([
          weftKnowsDHTPeer(next, go[i]!.peerId),
          goKnowsDHTPeer(go[i]!, next.peerId.toString()),
        ])
      }
      // both stacks put their neighbours in their routing tables and look themselves up
      await Promise.all(go.map(async (node) => node.request('dht-bootstrap', {}, 20_000)))
      await new Promise((resolve) => setTimeout(resolve, 1_000))
    }, 600_000)

    afterAll(async () => {
      results.write()
      await Promise.all([...weft.map(async (node) => node.stop()), ...go.map(async (node) => node.stop())])
    })

    it('weft finds a go peer (findPeer)', async () => {
      const target = go[2]!
      const info = await results.cell('weft finds a go peer (findPeer)', GO, async () => {
        // a refresh may have connected the two ends: a lookup must do the finding, not the connection
        await weft[0]!.hangUp(peerIdFromString(target.peerId) as never)
        await target.request('disconnect', { peer: weft[0]!.peerId.toString() })
        const found = await weft[0]!.peerRouting.findPeer(peerIdFromString(target.peerId) as never, {
          useCache: false,
          signal: AbortSignal.timeout(30_000),
        })
        expect(found.id.toString()).toBe(target.peerId)
        expect(found.multiaddrs.map(String)).toContain(target.addrs[0])
        return found
      })
      expect(info.id.toString()).toBe(target.peerId)
    })

    it('go finds a weft peer (FindPeer)', async () => {
      const target = weft[2]!
      const info = await results.cell('go finds a weft peer (FindPeer)', GO, async () => {
        await go[0]!.request('disconnect', { peer: target.peerId.toString() })
        await target.hangUp(peerIdFromString(go[0]!.peerId) as never)
        const found = await go[0]!.request<{ id: string; addrs: string[] }>(
          'find-peer',
          { peer: target.peerId.toString() },
          30_000,
        )
        expect(found.id).toBe(target.peerId.toString())
        expect(found.addrs).toContain(target.getMultiaddrs()[0]!.decapsulateCode(421).toString())
        return found
      })
      expect(info.addrs.length).toBeGreaterThan(0)
    })

    it('weft provides a CID that go finds', async () => {
      await results.cell('weft provides, go finds providers', GO, async () => {
        const cid = await freshCID()
        await weft[0]!.contentRouting.provide(cid, { signal: AbortSignal.timeout(30_000) })
        const providers = await go[2]!.request<Array<{ id: string; addrs: string[] }>>(
          'find-providers',
          { cid: cid.toString(), count: 1 },
          30_000,
        )
        const found = providers.find((provider) => provider.id === weft[0]!.peerId.toString())
        expect(found).toBeDefined()
        expect(found!.addrs.length).toBeGreaterThan(0)
      })
    })

    it('go provides a CID that weft finds', async () => {
      await results.cell('go provides, weft finds providers', GO, async () => {
        const cid = await freshCID()
        await go[0]!.request('provide', { cid: cid.toString() }, 30_000)
        const providers = await collect(
          weft[2]!.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(30_000) }),
        )
        const found = providers.find((provider) => provider.id.toString() === go[0]!.peerId)
        expect(found).toBeDefined()
        expect(found!.multiaddrs.length).toBeGreaterThan(0)
      })
    })

    it('weft puts a /pk/ record that go gets', async () => {
      await results.cell('weft puts a /pk/ record, go gets it', GO, async () => {
        const { key, value } = await publicKeyRecord()
        await weft[0]!.contentRouting.put(key, value, { signal: AbortSignal.timeout(30_000) })
        const got = await go[2]!.request<string>('get-value', { key: base64(key) }, 30_000)
        expect(got).toBe(base64(value))
      })
    })

    it('go puts a /pk/ record that weft gets', async () => {
      await results.cell('go puts a /pk/ record, weft gets it', GO, async () => {
        const { key, value } = await publicKeyRecord()
        await go[0]!.request('put-value', { key: base64(key), value: base64(value) }, 30_000)
        const got = await weft[2]!.contentRouting.get(key, { signal: AbortSignal.timeout(30_000) })
        expect(base64(got)).toBe(base64(value))
      })
    })

    it('go rejects a /pk/ record whose key does not match, like weft', async () => {
      await results.cell('both refuse a /pk/ record whose key is not the key hash', GO, async () => {
        const { key } = await publicKeyRecord()
        const { value: otherValue } = await publicKeyRecord()
        await expect(
          go[0]!.request('put-value', { key: base64(key), value: base64(otherValue) }, 10_000),
        ).rejects.toThrow(/put-value/)
        await expect(
          weft[0]!.contentRouting.put(key, otherValue, { signal: AbortSignal.timeout(10_000) }),
        ).rejects.toThrow()
      })
    })
  },
)
