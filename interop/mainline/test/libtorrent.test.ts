/**
 * Issue 19, acceptance 1 (the BEP5 part, libtorrent): weft and libtorrent
 * (python3-libtorrent, loopback restrictions off) in one local swarm with
 * bittorrent-dht; weft announces and libtorrent finds it, and the reverse.
 */
import { createHash } from 'node:crypto'
import type { MainlineDHT } from '@weft/mainline-dht'
import type DHT from 'bittorrent-dht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findLibtorrentPython, LibtorrentNode } from './libtorrent.js'
import { bittorrentNode, destroy, LOOPBACK, lookupPeers, weftNode } from './peers.js'

const infohash = (topic: string): Uint8Array => new Uint8Array(createHash('sha1').update(topic).digest())
const python = findLibtorrentPython()
const ci = process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false'
// the rule of @weft/testkit's notRunReason, for a tool that is a Python module: outside CI a
// missing module means "not run" in the title (the summary lists it); CI installs it and runs
const NOT_RUN = python === undefined && !ci ? ' (not run: needs python3-libtorrent)' : ''

/** Polls `find` until it returns something that `ok` accepts (bounded). */
async function eventually<T>(find: () => Promise<T>, ok: (value: T) => boolean, attempts = 10): Promise<T> {
  let value = await find()
  for (let attempt = 1; attempt < attempts && !ok(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    value = await find()
  }
  return value
}

describe.skipIf(NOT_RUN !== '')(`weft, libtorrent and bittorrent-dht in one loopback swarm${NOT_RUN}`, () => {
  const weft: MainlineDHT[] = []
  const libtorrent: LibtorrentNode[] = []
  let other: DHT | undefined

  beforeAll(async () => {
    weft.push(await weftNode([]))
    const seed = weft[0]?.addresses() ?? []
    for (let index = 0; index < 3; index++) {
      libtorrent.push(await LibtorrentNode.start(python as string, seed))
      weft.push(await weftNode([...seed, ...libtorrent.map((node) => node.address)]))
    }
    other = await bittorrentNode([...seed, ...libtorrent.map((node) => node.address)])
    // libtorrent bootstraps in the background: wait until each one knows a few nodes
    for (const node of libtorrent)
      await eventually(
        () => node.routingTableSize(),
        (size) => size >= 2,
      )
  }, 90_000)

  afterAll(async () => {
    await Promise.all(weft.map((node) => node.stop()))
    await Promise.all(libtorrent.map((node) => node.stop()))
    if (other !== undefined) await destroy(other)
  })

  it('libtorrent nodes entered weft routing tables and the reverse', async () => {
    const libtorrentPorts = new Set(libtorrent.map((node) => node.port))
    const lookup = await (weft[3] as MainlineDHT).findNode((weft[3] as MainlineDHT).id)
    expect(lookup.closest.some((node) => libtorrentPorts.has(node.port))).toBe(true)
    for (const node of libtorrent) expect(await node.routingTableSize()).toBeGreaterThanOrEqual(2)
  })

  it('weft announces and libtorrent and bittorrent-dht find it', async () => {
    const hash = infohash('weft announces to libtorrent')
    expect((await (weft[1] as MainlineDHT).announce(hash, { port: 41_001 })).announced).toBeGreaterThan(0)
    const found = await eventually(
      () => (libtorrent[2] as LibtorrentNode).getPeers(hash, 5),
      (peers) => peers.length > 0,
      4,
    )
    expect(found).toContainEqual({ host: LOOPBACK, port: 41_001 })
    expect(await lookupPeers(other as DHT, hash)).toContainEqual({ host: LOOPBACK, port: 41_001 })
  })

  it('libtorrent announces and weft finds it', async () => {
    const hash = infohash('libtorrent announces to weft')
    const announcer = libtorrent[0] as LibtorrentNode
    await announcer.announce(hash)
    const { peers } = await eventually(
      () => (weft[2] as MainlineDHT).getPeers(hash),
      (result) => result.peers.some((peer) => peer.port === announcer.port),
      20,
    )
    expect(peers).toContainEqual({ host: LOOPBACK, port: announcer.port })
  })

  it('bittorrent-dht announces and libtorrent finds it', async () => {
    const hash = infohash('bittorrent-dht announces to libtorrent')
    await new Promise<void>((resolve, reject) =>
      (other as DHT).announce(hash, 41_003, (err) => (err ? reject(err) : resolve())),
    )
    const found = await eventually(
      () => (libtorrent[1] as LibtorrentNode).getPeers(hash, 5),
      (peers) => peers.length > 0,
      4,
    )
    expect(found).toContainEqual({ host: LOOPBACK, port: 41_003 })
  })
})
