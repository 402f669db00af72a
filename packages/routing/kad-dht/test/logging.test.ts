/**
 * Issue 14: with `DEBUG=weft:kad-dht*` a person debugging a lookup sees the
 * routing table change, each lookup start and end, and how many peers a
 * provide or put reached. The lines are read through a custom `logger`.
 */
import { type ComponentLogger, contentRoutingSymbol, type Logger } from '@libp2p/interface'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeNetwork, type FakeNode } from './fake-network.js'

const SIZE = 12

/** Every line logged at any level, as `component[:level] formatter args…` with %-placeholders filled in. */
function capturingLogger(): { logger: ComponentLogger; lines: string[] } {
  const lines: string[] = []
  const record = (name: string, formatter: unknown, args: unknown[]): void => {
    let index = 0
    const text = String(formatter).replace(/%[sdopaeb]/g, () => String(args[index++]))
    lines.push(`${name} ${text}`)
  }
  const make = (name: string): Logger =>
    Object.assign((formatter: unknown, ...args: unknown[]) => record(name, formatter, args), {
      error: (formatter: unknown, ...args: unknown[]) => record(`${name}:error`, formatter, args),
      trace: (formatter: unknown, ...args: unknown[]) => record(`${name}:trace`, formatter, args),
      enabled: true,
      newScope: (scope: string) => make(`${name}:${scope}`),
    })
  return { logger: { forComponent: make }, lines }
}

describe('KadDHT logging', () => {
  const network = new FakeNetwork()
  const { logger, lines } = capturingLogger()
  let nodes: FakeNode[]
  let watched: FakeNode

  beforeAll(async () => {
    nodes = await Promise.all(Array.from({ length: SIZE }, async () => network.add()))
    watched = await network.add({}, logger)
    await network.startAll()
    for (let i = 0; i < SIZE; i++) {
      network.introduce(nodes[i]!, nodes[(i + 1) % SIZE]!)
      network.introduce(nodes[(i + 1) % SIZE]!, nodes[i]!)
    }
    network.introduce(watched, nodes[0]!)
    network.introduce(nodes[0]!, watched)
    for (const node of [...nodes, watched]) await node.dht.refreshRoutingTable()
  })

  afterAll(async () => {
    await network.stopAll()
  })

  it('logs peers added to and removed from the routing table at trace level', async () => {
    const added = lines.filter((line) => /^weft:kad-dht:trace added \S+ to the routing table/.test(line))
    expect(added.length).toBe(watched.dht.routingTable.size)
    expect(added[0]).toContain(nodes[0]!.peerId.toString())

    const gone = nodes.find((node) => watched.dht.routingTable.has(node.peerId))!
    gone.online = false
    try {
      for await (const _ of watched.dht.getClosestPeers(gone.peerId.toMultihash().bytes)) {
        // the failed request to `gone` removes it
      }
    } finally {
      gone.online = true
    }
    expect(
      lines.some(
        (line) =>
          line.startsWith(`weft:kad-dht:trace removed ${gone.peerId.toString()} from the routing table`) &&
          line.endsWith('a request to it failed'),
      ),
    ).toBe(true)
  })

  it("logs a lookup's start and end with the peers queried, the closest found and the time", async () => {
    const target = nodes[6]!.peerId
    lines.length = 0
    const { stats } = await watched.dht.lookupPeer(target)
    const label = `FIND_NODE ${target.toString()}`
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^weft:kad-dht lookup ${label}: started from \\d+ peers`)),
    )
    const end = lines.find((line) => line.startsWith(`weft:kad-dht lookup ${label}: done in `))
    expect(end).toBe(
      `weft:kad-dht lookup ${label}: done in ${stats.duration} ms, ${stats.rpcs} peers queried (${stats.failures} failed) in ${stats.rounds} rounds, ${end?.match(/(\d+) closest found$/)?.[1]} closest found`,
    )
    expect(Number(end?.match(/(\d+) closest found$/)?.[1])).toBeGreaterThan(0)
  })

  it('says how many peers a provide reached, and that many peers hold the provider record', async () => {
    const cid = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('logged provide')))
    lines.length = 0
    await watched.dht[contentRoutingSymbol].provide(cid)
    const line = lines.find((entry) => entry.startsWith(`weft:kad-dht provide ${cid.toString()}: reached `))
    const match = line?.match(/reached (\d+) of the (\d+) closest peers$/)
    expect(match).not.toBeNull()
    const reached = Number(match![1])
    expect(reached).toBeGreaterThan(0)
    expect(reached).toBeLessThanOrEqual(Number(match![2]))
    // ADD_PROVIDER expects no reply: give the remotes a moment (bounded) to store it
    let holders = 0
    for (let attempt = 0; attempt < 50; attempt++) {
      holders = 0
      for (const node of nodes) {
        for await (const provider of node.dht[contentRoutingSymbol].findProviders(cid, {
          useNetwork: false,
        })) {
          if (provider.id.equals(watched.peerId)) holders++
        }
      }
      if (holders >= reached) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(holders).toBe(reached)
  })

  it('says how many peers a put reached', async () => {
    const key = await generateKeyPair('Ed25519')
    const recordKey = new Uint8Array([
      ...new TextEncoder().encode('/pk/'),
      ...peerIdFromPrivateKey(key).toMultihash().bytes,
    ])
    lines.length = 0
    await watched.dht[contentRoutingSymbol].put(recordKey, publicKeyToProtobuf(key.publicKey))
    const match = lines
      .find((line) => line.startsWith('weft:kad-dht put '))
      ?.match(/: stored on (\d+) of the (\d+) closest peers$/)
    expect(match).not.toBeNull()
    expect(Number(match![1])).toBeGreaterThan(0)
    expect(Number(match![1])).toBeLessThanOrEqual(Number(match![2]))
  })
})
