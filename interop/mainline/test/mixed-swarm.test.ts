/**
 * Issue 19, acceptance 1, the whole matrix: ONE loopback swarm of weft,
 * libtorrent (python3-libtorrent, loopback restrictions off) and
 * bittorrent-dht nodes. Every stack announces and the two others find it;
 * every stack puts a BEP44 immutable item and a mutable item with salt, and
 * the two others get them. The matrix is printed as a table at the end.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { MainlineDHT } from '@weft/mainline-dht'
import type DHT from 'bittorrent-dht'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findLibtorrentPython, LibtorrentNode } from './libtorrent.js'
import { addressOf, bittorrentNode, destroy, ed25519Signer, weftNode } from './peers.js'
import { bittorrentStack, libtorrentStack, type Stack, weftStack } from './stacks.js'

const infohash = (topic: string): Uint8Array => new Uint8Array(createHash('sha1').update(topic).digest())
const python = findLibtorrentPython()
const ci = process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false'
const NOT_RUN = python === undefined && !ci ? ' (not run: needs python3-libtorrent)' : ''

const NAMES = ['weft', 'libtorrent', 'bittorrent-dht'] as const
type Name = (typeof NAMES)[number]
const KINDS = ['announce', 'immutable', 'mutable'] as const
type Kind = (typeof KINDS)[number]
// the package's exports hide its package.json from require(): read the file the folder links to
const bittorrentVersion = (
  JSON.parse(
    readFileSync(new URL('../node_modules/bittorrent-dht/package.json', import.meta.url), 'utf8'),
  ) as {
    version: string
  }
).version
const PAIRS = NAMES.flatMap((from) => NAMES.filter((to) => to !== from).map((to) => [from, to] as const))

/** Polls `find` until `ok` accepts its value (bounded). */
async function eventually<T>(
  find: () => Promise<T>,
  ok: (value: T) => boolean,
  attempts: number,
): Promise<T> {
  let value = await find()
  for (let attempt = 1; attempt < attempts && !ok(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    value = await find()
  }
  return value
}

/** "pass" or "FAIL" per cell, printed as one table per kind when the suite ends. */
const matrix = new Map<string, string>()
const cell = (kind: Kind, from: Name, to: Name): string => `${kind} ${from} ${to}`

function table(): string {
  const header = `| by \\ got by | ${NAMES.join(' | ')} |`
  const lines = KINDS.flatMap((kind) => [
    '',
    `${kind === 'announce' ? 'announce (BEP5) → get_peers' : `BEP44 ${kind} put → get`}:`,
    header,
    `|---|${NAMES.map(() => '---').join('|')}|`,
    ...NAMES.map(
      (from) =>
        `| ${from} | ${NAMES.map((to) => (to === from ? '—' : (matrix.get(cell(kind, from, to)) ?? 'not run'))).join(' | ')} |`,
    ),
  ])
  return lines.join('\n')
}

/** Runs a cell's check and records its outcome in the matrix (the assertion still fails the test). */
async function record(kind: Kind, from: Name, to: Name, check: () => Promise<void>): Promise<void> {
  matrix.set(cell(kind, from, to), 'FAIL')
  await check()
  matrix.set(cell(kind, from, to), 'pass')
}

describe.skipIf(NOT_RUN !== '')(`one loopback swarm of weft, libtorrent and bittorrent-dht${NOT_RUN}`, () => {
  const weft: MainlineDHT[] = []
  const libtorrent: LibtorrentNode[] = []
  const bittorrent: DHT[] = []
  const stacks = new Map<Name, Stack>()
  // what each stack put or announced, for the two others to get or find
  const announced = new Map<Name, { hash: Uint8Array; port: number }>()
  const immutable = new Map<Name, Uint8Array>()
  const mutable = new Map<Name, { publicKey: Uint8Array; seq: number }>()

  beforeAll(async () => {
    weft.push(await weftNode([]))
    const seed = weft[0]?.addresses() ?? []
    const known = () => [...seed, ...libtorrent.map((node) => node.address), ...bittorrent.map(addressOf)]
    for (let index = 0; index < 3; index++) {
      libtorrent.push(await LibtorrentNode.start(python as string, known()))
      bittorrent.push(await bittorrentNode(known()))
      weft.push(await weftNode(known()))
    }
    // libtorrent bootstraps in the background: wait until each one knows a few nodes
    for (const node of libtorrent)
      await eventually(
        () => node.routingTableSize(),
        (size) => size >= 3,
        10,
      )
    // each stack acts through a node that is not the swarm's seed
    stacks.set('weft', weftStack(weft[1] as MainlineDHT))
    stacks.set('libtorrent', libtorrentStack(libtorrent[0] as LibtorrentNode))
    stacks.set('bittorrent-dht', bittorrentStack(bittorrent[0] as DHT))
  }, 120_000)

  afterAll(async () => {
    const versions = `libtorrent ${libtorrent[0]?.version}, bittorrent-dht ${bittorrentVersion}`
    console.log(
      `mixed swarm of ${weft.length} weft, ${libtorrent.length} libtorrent and ${bittorrent.length} bittorrent-dht nodes (${versions}):${table()}`,
    )
    await Promise.all(weft.map((node) => node.stop()))
    await Promise.all(libtorrent.map((node) => node.stop()))
    await Promise.all(bittorrent.map(destroy))
  })

  // the getters/finders are other nodes of each stack than the putters
  const reader = (name: Name): Stack => {
    if (name === 'weft') return weftStack(weft[3] as MainlineDHT)
    if (name === 'libtorrent') return libtorrentStack(libtorrent[2] as LibtorrentNode)
    return bittorrentStack(bittorrent[2] as DHT)
  }

  it.each(NAMES)(
    '%s announces, puts an immutable and a mutable item with salt',
    async (name) => {
      const stack = stacks.get(name) as Stack
      const hash = infohash(`${name} announces in the mixed swarm`)
      announced.set(name, { hash, port: await stack.announce(hash, 43_000 + NAMES.indexOf(name)) })
      immutable.set(name, await stack.putImmutable(`immutable from ${name}`))
      const signer = ed25519Signer()
      mutable.set(name, {
        publicKey: signer.publicKey.raw,
        seq: await stack.putMutable(signer, `mutable from ${name}`, `salt of ${name}`),
      })
    },
    60_000,
  )

  it.each(PAIRS)(
    'announce: %s → found by %s',
    async (from, to) => {
      const { hash, port } = announced.get(from) as { hash: Uint8Array; port: number }
      await record('announce', from, to, async () => {
        // libtorrent announces from its torrent loop (every 2 s here), so poll a few times
        const peers = await eventually(
          () => reader(to).findPeers(hash),
          (found) => found.some((peer) => peer.port === port),
          6,
        )
        expect(peers.map((peer) => peer.port)).toContain(port)
      })
    },
    60_000,
  )

  it.each(PAIRS)(
    'BEP44 immutable: put by %s → got by %s',
    async (from, to) => {
      const target = immutable.get(from) as Uint8Array
      await record('immutable', from, to, async () => {
        expect(await reader(to).getImmutable(target)).toBe(`immutable from ${from}`)
      })
    },
    30_000,
  )

  it.each(PAIRS)(
    'BEP44 mutable with salt: put by %s → got by %s',
    async (from, to) => {
      const { publicKey, seq } = mutable.get(from) as { publicKey: Uint8Array; seq: number }
      await record('mutable', from, to, async () => {
        const got = await reader(to).getMutable(publicKey, `salt of ${from}`)
        expect(got).toEqual({ value: `mutable from ${from}`, seq })
      })
    },
    30_000,
  )
})
