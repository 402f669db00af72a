/**
 * Issue 19, acceptance 1 (BEP44 and BEP51, libtorrent): in a loopback swarm
 * of weft and libtorrent nodes (python3-libtorrent, loopback restrictions
 * off), BEP44 items put by each are got by the other, and weft's crawler
 * reads libtorrent's BEP51 samples (and libtorrent reads weft's).
 */
import { createHash } from 'node:crypto'
import { crawler, immutableTarget, type MainlineDHT, mainlineDHT, mutableTarget } from '@weft/mainline-dht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findLibtorrentPython, LibtorrentNode } from './libtorrent.js'
import { ed25519Signer, LOOPBACK, weftNode } from './peers.js'

const text = (value: string): Uint8Array => new TextEncoder().encode(value)
const infohash = (topic: string): Uint8Array => new Uint8Array(createHash('sha1').update(topic).digest())
const python = findLibtorrentPython()
const ci = process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false'
const NOT_RUN = python === undefined && !ci ? ' (not run: needs python3-libtorrent)' : ''

async function eventually<T>(find: () => Promise<T>, ok: (value: T) => boolean, attempts = 10): Promise<T> {
  let value = await find()
  for (let attempt = 1; attempt < attempts && !ok(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    value = await find()
  }
  return value
}

describe.skipIf(NOT_RUN !== '')(`BEP44 and BEP51 between weft and libtorrent on loopback${NOT_RUN}`, () => {
  const weft: MainlineDHT[] = []
  const libtorrent: LibtorrentNode[] = []

  beforeAll(async () => {
    weft.push(await weftNode([]))
    const seed = weft[0]?.addresses() ?? []
    for (let index = 0; index < 3; index++) {
      libtorrent.push(await LibtorrentNode.start(python as string, seed))
      weft.push(await weftNode([...seed, ...libtorrent.map((node) => node.address)]))
    }
    for (const node of libtorrent)
      await eventually(
        () => node.routingTableSize(),
        (size) => size >= 2,
      )
  }, 90_000)

  afterAll(async () => {
    await Promise.all(weft.map((node) => node.stop()))
    await Promise.all(libtorrent.map((node) => node.stop()))
  })

  it('weft puts an immutable item; libtorrent gets it', async () => {
    const value = text('immutable from weft to libtorrent')
    const put = await (weft[1] as MainlineDHT).putImmutable(value)
    expect(put.stored).toBeGreaterThan(0)
    const got = await eventually(
      () => (libtorrent[2] as LibtorrentNode).getImmutable(put.target, 5),
      (found) => found !== undefined,
      4,
    )
    expect(Buffer.from(got ?? []).toString()).toBe('immutable from weft to libtorrent')
  })

  it('libtorrent puts an immutable item; weft gets it', async () => {
    const value = text('immutable from libtorrent')
    const put = await (libtorrent[0] as LibtorrentNode).putImmutable(value)
    expect(put.target).toBe(Buffer.from(immutableTarget(value)).toString('hex'))
    const { v } = await (weft[3] as MainlineDHT).getImmutable(immutableTarget(value))
    expect(Buffer.from(v as Uint8Array).toString()).toBe('immutable from libtorrent')
  })

  it('weft puts a mutable item with salt; libtorrent gets it', async () => {
    const signer = ed25519Signer()
    const salt = text('libp2p')
    const put = await (weft[2] as MainlineDHT).putMutable(signer, text('mutable from weft'), { salt, seq: 4 })
    expect(put.stored).toBeGreaterThan(0)
    const got = await (libtorrent[1] as LibtorrentNode).getMutable(signer.publicKey.raw, salt, 5)
    expect(Buffer.from(got.value ?? []).toString()).toBe('mutable from weft')
    expect(got.seq).toBe(4)
  })

  it('libtorrent puts a mutable item with salt; weft gets it', async () => {
    const signer = ed25519Signer()
    const salt = text('topic')
    const put = await (libtorrent[2] as LibtorrentNode).putMutable(
      signer.seed,
      signer.publicKey.raw,
      text('mutable from libtorrent'),
      salt,
    )
    expect(put.stored).toBeGreaterThan(0)
    const { item } = await (weft[1] as MainlineDHT).getMutable(signer.publicKey.raw, { salt })
    expect(Buffer.from(item?.v as Uint8Array).toString()).toBe('mutable from libtorrent')
    expect(item?.seq).toBe(put.seq)
    expect(mutableTarget(signer.publicKey.raw, salt)).toHaveLength(20)
  })

  it("weft's crawler reads libtorrent's BEP51 samples, and libtorrent reads weft's", async () => {
    const hashes = ['sample one', 'sample two', 'sample three'].map(infohash)
    for (const hash of hashes)
      expect((await (weft[1] as MainlineDHT).announce(hash, { port: 42_001 })).announced).toBeGreaterThan(0)
    // a crawler that starts from libtorrent nodes only, and counts what each answered
    const crawling = mainlineDHT({ host: LOOPBACK, nodesPerIp: 64, refreshInterval: 0, timeout: 500 })
    await crawling.start()
    try {
      const libtorrentPorts = new Set(libtorrent.map((node) => node.port))
      const fromLibtorrent = new Set<string>()
      const walk = crawler(crawling, {
        seeds: libtorrent.map((node) => node.address),
        queriesPerSecond: 200,
        duration: 20_000,
      })
      walk.addEventListener('infohash', (event) => {
        if (libtorrentPorts.has(event.detail.from.port)) fromLibtorrent.add(event.detail.infohash)
      })
      const result = await walk.crawl()
      const wanted = hashes.map((hash) => Buffer.from(hash).toString('hex'))
      for (const hex of wanted) expect(result.found.has(hex)).toBe(true)
      expect(result.sampled).toBeGreaterThanOrEqual(libtorrent.length)
      // every infohash was announced to the whole (small) swarm, libtorrent nodes included
      expect([...fromLibtorrent].filter((hex) => wanted.includes(hex)).length).toBeGreaterThan(0)
    } finally {
      await crawling.stop()
    }
    const fromWeft = await (libtorrent[0] as LibtorrentNode).sample(
      (weft[2] as MainlineDHT).addresses()[0] as never,
      infohash('x'),
    )
    expect(fromWeft.num).toBeGreaterThanOrEqual(1)
    expect(fromWeft.samples.length).toBe(fromWeft.num)
  }, 60_000)
})
