/**
 * The BEP51 crawler on a local swarm: builds a memory network of `nodes` DHT
 * nodes, announces `torrents` infohashes from random members, then crawls
 * from one fresh node that knows a single member, and reports how many
 * infohashes it found and how many per minute.
 *
 * From the repository root (tsc compiles it to dist/examples/, next to dist/src/):
 *
 *   npx tsc -b packages/routing/mainline-dht
 *   node packages/routing/mainline-dht/dist/examples/crawl-swarm.js [nodes] [torrents]
 */
import { createHash } from 'node:crypto'
import { type CrawlResult, crawler, type MainlineDHT, MemoryNetwork, mainlineDHT } from '../src/index.js'

export interface CrawlSwarmInit {
  nodes?: number
  torrents?: number
  /** Crawler queries per second (default 500: a local swarm). */
  queriesPerSecond?: number
  log?: (line: string) => void
}

export interface CrawlSwarmReport {
  readonly announced: ReadonlySet<string>
  readonly result: CrawlResult
}

export function torrentInfohash(index: number): Uint8Array {
  return new Uint8Array(createHash('sha1').update(`torrent ${index}`).digest())
}

export async function crawlSwarm(init: CrawlSwarmInit = {}): Promise<CrawlSwarmReport> {
  const size = init.nodes ?? 200
  const torrents = init.torrents ?? 400
  const log = init.log ?? (() => {})
  const network = new MemoryNetwork()
  const nodes: MainlineDHT[] = []
  try {
    for (let index = 0; index < size; index++) {
      const socket = network.socket()
      const node = mainlineDHT({
        socket,
        externalAddress: socket.addresses()[0]?.host,
        refreshInterval: 0,
        // fresh samples every second, so a node holding more than 20 shows them all soon
        samples: { interval: 1 },
        bootstrap: nodes.slice(Math.max(0, index - 3)).flatMap((other) => other.addresses()),
      })
      await node.start()
      nodes.push(node)
    }
    log(`swarm of ${size} nodes up`)
    const announced = new Set<string>()
    for (let index = 0; index < torrents; index++) {
      const infohash = torrentInfohash(index)
      const announcer = nodes[(index * 7919) % size] as MainlineDHT
      const { announced: count } = await announcer.announce(infohash, { port: 6881 + (index % 1000) })
      if (count > 0) announced.add(Buffer.from(infohash).toString('hex'))
    }
    log(`${announced.size} infohashes announced`)

    const socket = network.socket()
    const crawling = mainlineDHT({ socket, refreshInterval: 0 })
    await crawling.start()
    nodes.push(crawling)
    const walk = crawler(crawling, {
      seeds: (nodes[0] as MainlineDHT).addresses(),
      queriesPerSecond: init.queriesPerSecond ?? 500,
      concurrency: 16,
      duration: 120_000,
    })
    walk.addEventListener('progress', (event) => {
      const { nodes: visited, infohashes, queries } = event.detail
      log(`crawled ${visited} nodes, ${queries} queries, ${infohashes} infohashes`)
    })
    const result = await walk.crawl()
    log(
      `found ${result.infohashes} infohashes (${result.reason}); per minute: ${result.perMinute.join(', ')}`,
    )
    return { announced, result }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [nodes, torrents] = process.argv.slice(2).map(Number)
  await crawlSwarm({ nodes: nodes || undefined, torrents: torrents || undefined, log: console.log })
}
