import { afterEach, describe, expect, it } from 'vitest'
import { crawlSwarm } from '../examples/crawl-swarm.js'
import {
  crawler,
  InfohashSampler,
  type MainlineDHT,
  MemoryNetwork,
  mainlineDHT,
  splitSamples,
} from '../src/index.js'
import { createSwarm, infohash, type Swarm } from './swarm.js'

const started: Array<MainlineDHT | Swarm> = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((item) => item.stop()))
})

describe('BEP51 sample_infohashes', () => {
  it('answers with a sample of the peer store, num, interval and nodes', async () => {
    const network = new MemoryNetwork()
    const server = mainlineDHT({ socket: network.socket(), refreshInterval: 0, samples: { interval: 30 } })
    await server.start()
    const client = mainlineDHT({
      socket: network.socket(),
      refreshInterval: 0,
      bootstrap: server.addresses(),
    })
    await client.start()
    started.push(server, client)
    for (let index = 0; index < 25; index++)
      server.peers.add(infohash(index), { host: '11.1.1.1', port: 1 + index })
    const reply = await client.query(server.addresses()[0] as never, 'sample_infohashes', {
      target: infohash(0),
    })
    expect(reply.values.num).toBe(25)
    expect(reply.values.interval).toBe(30)
    const samples = splitSamples(reply.values.samples)
    expect(samples).toHaveLength(20)
    const held = new Set(server.peers.infohashes())
    for (const sample of samples) expect(held.has(Buffer.from(sample).toString('hex'))).toBe(true)
    expect(reply.values.nodes).toBeInstanceOf(Uint8Array)
  })

  it('draws a sample once per interval, so a flood reads a cache', () => {
    let now = 0
    let draws = 0
    const sampler = new InfohashSampler(
      () => {
        draws++
        return ['aa'.repeat(20), 'bb'.repeat(20)]
      },
      { interval: 10, now: () => now },
    )
    for (let index = 0; index < 1000; index++) sampler.current()
    expect(draws).toBe(1)
    now = 10_000
    expect(sampler.current().num).toBe(2)
    expect(draws).toBe(2)
    expect(new InfohashSampler(() => [], { interval: 1e9 }).interval).toBe(21_600)
  })

  it('a malformed target is a 203', async () => {
    const network = new MemoryNetwork()
    const server = mainlineDHT({ socket: network.socket(), refreshInterval: 0 })
    await server.start()
    const client = mainlineDHT({ socket: network.socket(), refreshInterval: 0 })
    await client.start()
    started.push(server, client)
    await expect(
      client.query(server.addresses()[0] as never, 'sample_infohashes', { target: new Uint8Array(3) }),
    ).rejects.toMatchObject({ name: 'KrpcError', code: 203 })
  })
})

describe('the crawler', () => {
  it('harvests a 40-node swarm, reports progress and stops by itself', async () => {
    const swarm = await createSwarm(40, { samples: { interval: 0 } })
    started.push(swarm)
    for (let index = 0; index < 30; index++)
      await swarm.nodes[index % 40]?.announce(infohash(100 + index), { port: 7000 })
    const crawling = mainlineDHT({ socket: swarm.network.socket(), refreshInterval: 0 })
    await crawling.start()
    started.push(crawling)
    const walk = crawler(crawling, {
      seeds: swarm.nodes[0]?.addresses(),
      queriesPerSecond: 1000,
      progressInterval: 20,
    })
    const seen: string[] = []
    let progress = 0
    walk.addEventListener('infohash', (event) => seen.push(event.detail.infohash))
    walk.addEventListener('progress', () => progress++)
    // what a crawler can learn of: the nodes some node's routing table holds (40 when
    // every bootstrap query of the swarm was answered), and the seed
    const known = new Set(
      swarm.nodes.flatMap((node) => node.table.nodes().map((contact) => `${contact.host}:${contact.port}`)),
    )
    for (const seed of swarm.nodes[0]?.addresses() ?? []) known.add(`${seed.host}:${seed.port}`)
    const result = await walk.crawl()
    expect(result.reason).toBe('exhausted')
    expect(result.nodes, `${known.size} nodes are in some routing table`).toBe(known.size)
    expect(result.infohashes).toBe(30)
    expect(new Set(seen).size).toBe(30)
    expect(result.perMinute.reduce((a, b) => a + b, 0)).toBe(30)
    expect(progress).toBeGreaterThanOrEqual(1)
  })

  it('keeps within maxNodes and maxInfohashes, and stops on abort', async () => {
    const swarm = await createSwarm(30)
    started.push(swarm)
    for (let index = 0; index < 20; index++)
      await swarm.nodes[index]?.announce(infohash(200 + index), { port: 7000 })
    const crawling = mainlineDHT({ socket: swarm.network.socket(), refreshInterval: 0 })
    await crawling.start()
    started.push(crawling)
    const seeds = swarm.nodes[0]?.addresses()
    const few = await crawler(crawling, { seeds, maxNodes: 5, queriesPerSecond: 1000 }).crawl()
    expect(few.nodes).toBe(5)
    expect(few.reason).toBe('max-nodes')
    const capped = await crawler(crawling, { seeds, maxInfohashes: 3, queriesPerSecond: 1000 }).crawl()
    expect(capped.infohashes).toBe(3)
    const controller = new AbortController()
    controller.abort()
    expect((await crawler(crawling, { seeds }).crawl({ signal: controller.signal })).reason).toBe('aborted')
    const slow = await crawler(crawling, { seeds, queriesPerSecond: 10, duration: 300 }).crawl()
    expect(slow.reason).toBe('duration')
    expect(slow.queries).toBeLessThanOrEqual(5)
  })

  it('asks a node that did not answer once more, later, and harvests it then', async () => {
    const network = new MemoryNetwork()
    let ignored = 0
    const shy = mainlineDHT({
      socket: network.socket(),
      refreshInterval: 0,
      samples: { interval: 0 },
      // both attempts of the first sample_infohashes go unanswered
      hooks: { query: (query) => (query.method === 'sample_infohashes' && ignored++ < 2 ? null : query) },
    })
    await shy.start()
    started.push(shy)
    shy.peers.add(infohash(300), { host: '11.1.1.1', port: 1 })
    const crawling = mainlineDHT({ socket: network.socket(), refreshInterval: 0, timeout: 50, retries: 1 })
    await crawling.start()
    started.push(crawling)
    const result = await crawler(crawling, {
      seeds: shy.addresses(),
      queriesPerSecond: 1000,
      retryDelay: 20,
    }).crawl()
    expect(ignored).toBe(3)
    expect(result.reason).toBe('exhausted')
    expect(result.found.has(Buffer.from(infohash(300)).toString('hex'))).toBe(true)
    expect(result.sampled).toBe(1)
  })

  it('acceptance 4: the example harvests every infohash of a 200-node swarm', async () => {
    const lines: string[] = []
    const { announced, result } = await crawlSwarm({
      nodes: 200,
      torrents: 400,
      log: (line) => lines.push(line),
    })
    expect(announced.size).toBe(400)
    for (const hex of announced) expect(result.found.has(hex)).toBe(true)
    expect(result.perMinute[0]).toBe(400)
    expect(lines.at(-1)).toMatch(/found 400 infohashes .*per minute: 400/)
  }, 120_000)
})
