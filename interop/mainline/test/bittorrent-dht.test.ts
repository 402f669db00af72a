/**
 * Issue 19, acceptance 1 (the BEP5 part, bittorrent-dht): a mixed local swarm
 * on loopback; weft announces and bittorrent-dht finds it, and the reverse.
 */
import { createHash } from 'node:crypto'
import type { MainlineDHT } from '@weft/mainline-dht'
import type DHT from 'bittorrent-dht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressOf, bittorrentNode, destroy, LOOPBACK, lookupPeers, weftNode } from './peers.js'

const infohash = (topic: string): Uint8Array => new Uint8Array(createHash('sha1').update(topic).digest())

describe('weft and bittorrent-dht in one loopback swarm', () => {
  const weft: MainlineDHT[] = []
  const others: DHT[] = []

  beforeAll(async () => {
    // a weft node seeds the swarm; the rest join through it or through each other
    weft.push(await weftNode([]))
    const seed = weft[0]?.addresses() ?? []
    for (let index = 0; index < 4; index++) {
      others.push(await bittorrentNode([...seed, ...others.map(addressOf)]))
      weft.push(await weftNode([...seed, ...others.map(addressOf)]))
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(weft.map((node) => node.stop()))
    await Promise.all(others.map(destroy))
  })

  it("joined one swarm: weft and bittorrent-dht nodes are in each other's tables", () => {
    const bittorrentPorts = new Set(others.map((node) => addressOf(node).port))
    for (const node of weft.slice(1)) {
      expect(node.table.nodes().some((entry) => bittorrentPorts.has(entry.port))).toBe(true)
    }
    const weftPorts = new Set(weft.map((node) => node.addresses()[0]?.port))
    for (const node of others) {
      expect(node.toJSON().nodes.some((entry) => weftPorts.has(entry.port))).toBe(true)
    }
  })

  it('weft announces and bittorrent-dht finds it with get_peers', async () => {
    const hash = infohash('weft announces')
    const result = await (weft[2] as MainlineDHT).announce(hash, { port: 40_001 })
    expect(result.announced).toBeGreaterThan(0)
    const peers = await lookupPeers(others[3] as DHT, hash)
    expect(peers).toContainEqual({ host: LOOPBACK, port: 40_001 })
  })

  it('bittorrent-dht announces and weft finds it with get_peers', async () => {
    const hash = infohash('bittorrent-dht announces')
    await new Promise<void>((resolve, reject) =>
      (others[1] as DHT).announce(hash, 40_002, (err) => (err ? reject(err) : resolve())),
    )
    const { peers } = await (weft[4] as MainlineDHT).getPeers(hash)
    expect(peers).toContainEqual({ host: LOOPBACK, port: 40_002 })
  })

  it('bittorrent-dht nodes answer weft lookups for their own neighbourhood', async () => {
    const target = others[0]?.nodeId as Uint8Array
    const { closest } = await (weft[1] as MainlineDHT).findNode(target)
    expect(closest.map((node) => node.port)).toContain(addressOf(others[0] as DHT).port)
  })
})
