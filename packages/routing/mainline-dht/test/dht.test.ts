import { afterEach, describe, expect, it } from 'vitest'
import {
  bytesToLatin1,
  decode,
  type MainlineDHT,
  MemoryNetwork,
  mainlineDHT,
  PUBLIC_BOOTSTRAP_NODES,
  type Query,
} from '../src/index.js'
import { createSwarm, infohash, type Swarm } from './swarm.js'

const started: Array<MainlineDHT | Swarm> = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((item) => item.stop()))
})

async function node(
  network: MemoryNetwork,
  init: Parameters<typeof mainlineDHT>[0] = {},
): Promise<MainlineDHT> {
  const dht = mainlineDHT({ socket: network.socket(), refreshInterval: 0, ...init })
  await dht.start()
  started.push(dht)
  return dht
}

describe('MainlineDHT on a memory network', () => {
  it('logs under weft:mainline-dht', async () => {
    const names: string[] = []
    const silent = Object.assign(() => {}, {
      error: () => {},
      trace: () => {},
      enabled: false,
      newScope: () => silent,
    })
    await node(new MemoryNetwork(), {
      logger: {
        forComponent: (name: string) => {
          names.push(name)
          return silent
        },
      } as never,
    })
    expect(names).toEqual(['weft:mainline-dht'])
  })

  it('contacts nobody unless given bootstrap nodes', async () => {
    const network = new MemoryNetwork()
    const dht = await node(network)
    expect(network.stats.sent).toBe(0)
    expect(dht.table.size).toBe(0)
    expect(PUBLIC_BOOTSTRAP_NODES.length).toBeGreaterThan(0)
    expect(Object.isFrozen(PUBLIC_BOOTSTRAP_NODES)).toBe(true)
  })

  it('bootstraps, announces and finds peers between two nodes', async () => {
    const network = new MemoryNetwork()
    const a = await node(network)
    const b = await node(network, { bootstrap: a.addresses() })
    expect(b.table.size).toBe(1)
    expect(a.table.size).toBe(1)
    const announced = await b.announce(infohash(1), { port: 7000 })
    expect(announced.announced).toBe(1)
    const expected = [{ host: b.addresses()[0]?.host, port: 7000 }]
    expect((await a.getPeers(infohash(1))).peers).toEqual(expected)
    expect((await b.getPeers(infohash(1))).peers).toEqual(expected)
  })

  it('uses the implied port when asked', async () => {
    const network = new MemoryNetwork()
    const a = await node(network)
    const b = await node(network, { bootstrap: a.addresses() })
    await b.announce(infohash(2), { impliedPort: true })
    expect(a.peers.get(infohash(2))).toEqual(b.addresses())
  })

  it('answers find_node with nodes and nodes6 per BEP32 want', async () => {
    const network = new MemoryNetwork()
    const dual = await node(network, { socket: network.socket(['11.9.9.1', '2001:db8::1']) })
    const v4 = await node(network, { bootstrap: dual.addresses().slice(0, 1) })
    const v6 = await node(network, {
      socket: network.socket('2001:db8::2'),
      bootstrap: dual.addresses().slice(1),
    })
    expect(dual.table.size).toBe(2)
    const both = await v4.query(dual.addresses()[0] as never, 'find_node', {
      target: v6.id,
      want: ['n4', 'n6'],
    })
    expect(both.values.nodes).toBeInstanceOf(Uint8Array)
    expect((both.values.nodes6 as Uint8Array).length).toBe(38)
    const plain = await v6.query(dual.addresses()[1] as never, 'find_node', { target: v4.id })
    expect(plain.values.nodes).toBeUndefined()
    expect(plain.values.nodes6).toBeInstanceOf(Uint8Array)
    // a lookup over IPv6 finds the IPv6 node
    const found = await v6.findNode(v6.id)
    expect(found.closest.map((contact) => contact.host)).toContain('2001:db8::1')
  })

  it('learns its external address from BEP42 ip fields', async () => {
    const network = new MemoryNetwork()
    const peers = [await node(network), await node(network), await node(network)]
    const me = await node(network, { bootstrap: peers.flatMap((peer) => peer.addresses()) })
    expect(me.externalAddress).toBe(me.addresses()[0]?.host)
  })

  it('in read-only mode (BEP43) marks its queries, answers none and stays out of tables', async () => {
    const network = new MemoryNetwork()
    const a = await node(network, { timeout: 100, retries: 0 })
    const reader = await node(network, { readOnly: true, bootstrap: a.addresses(), timeout: 100, retries: 0 })
    expect(reader.table.size).toBe(1)
    expect(a.table.size).toBe(0)
    await expect(a.ping(reader.addresses()[0] as never)).rejects.toThrow(/no answer/)
    const seen: Query[] = []
    const b = await node(network, { hooks: { query: (query) => void seen.push(query) } })
    await reader.ping(b.addresses()[0] as never)
    expect(seen[0]?.readOnly).toBe(true)
  })

  it('serves custom query types and lets hooks observe, change and drop messages', async () => {
    const network = new MemoryNetwork()
    const observed: string[] = []
    const a = await node(network, {
      handlers: { echo: (query) => ({ echo: query.args.text }) },
      hooks: {
        query: (query, from) => {
          // pings are also the node's checks of unknown queriers; count the rest
          if (query.method !== 'ping') observed.push(query.method)
          if (query.method === 'ping' && from.port === 9) return null
          if (query.method === 'shout') return { ...query, method: 'echo' }
          return undefined
        },
      },
    })
    a.handle('sum', (query) => ({ sum: (query.args.a as number) + (query.args.b as number) }))
    const b = await node(network, {
      timeout: 100,
      retries: 0,
      hooks: {
        response: (response) =>
          response.values.sum === 13 ? { ...response, values: { ...response.values, sum: 42 } } : undefined,
      },
    })
    const to = a.addresses()[0] as never
    const echo = await b.query(to, 'echo', { text: 'hi' })
    expect(bytesToLatin1(echo.values.echo as Uint8Array)).toBe('hi')
    expect((await b.query(to, 'sum', { a: 6, b: 7 })).values.sum).toBe(42)
    expect(bytesToLatin1((await b.query(to, 'shout', { text: 'yo' })).values.echo as Uint8Array)).toBe('yo')
    a.unhandle('sum')
    await expect(b.query(to, 'sum', { a: 1, b: 2 })).rejects.toMatchObject({ name: 'KrpcError', code: 204 })
    expect(observed).toEqual(['echo', 'sum', 'shout', 'sum'])
    // the hook drops pings from port 9
    const dropper = mainlineDHT({
      socket: network.socket('11.8.8.8', 9),
      timeout: 100,
      retries: 0,
      refreshInterval: 0,
    })
    await dropper.start()
    started.push(dropper)
    await expect(dropper.ping(to)).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('retries an unanswered query and marks the node failed', async () => {
    const network = new MemoryNetwork({ loss: 0 })
    const a = await node(network)
    const b = await node(network, { bootstrap: a.addresses(), timeout: 50, retries: 2 })
    const address = a.addresses()[0] as { host: string; port: number }
    const sentBefore = network.stats.sent
    await a.stop()
    await expect(b.ping(address)).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(network.stats.sent - sentBefore).toBe(3)
    await expect(b.query({ id: a.id, ...address }, 'ping', {})).rejects.toThrow()
    await expect(b.query({ id: a.id, ...address }, 'ping', {})).rejects.toThrow()
    const entry = b.table.get(a.id)
    expect(entry && b.table.state(entry)).toBe('bad')
  })

  it('bounds the queries in flight', async () => {
    const network = new MemoryNetwork()
    const a = await node(network, { maxInFlight: 2, timeout: 50, retries: 0 })
    const nowhere = { host: '11.7.7.7', port: 1 }
    const first = a.ping(nowhere)
    const second = a.ping(nowhere)
    await expect(a.ping(nowhere)).rejects.toMatchObject({ name: 'DHTLimitError' })
    expect(a.inFlight).toBe(2)
    await expect(Promise.all([first, second])).rejects.toMatchObject({ name: 'TimeoutError' })
  })

  it('refreshes stale buckets with find_node on its timer', async () => {
    const network = new MemoryNetwork()
    const a = await node(network)
    const seen: string[] = []
    const b = await node(network, {
      bootstrap: a.addresses(),
      refreshInterval: 20,
      bucketStaleAfter: 10,
    })
    expect(b.table.size).toBe(1)
    a.handle('find_node', (query) => {
      seen.push(query.method)
      return {}
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(seen.length).toBeGreaterThan(0)
  })

  it('aborts a query with its signal and refuses work once stopped', async () => {
    const network = new MemoryNetwork()
    const a = await node(network)
    const controller = new AbortController()
    const pending = a.ping({ host: '11.7.7.7', port: 1 }, { signal: controller.signal })
    controller.abort(new Error('enough'))
    await expect(pending).rejects.toThrow('enough')
    expect(a.inFlight).toBe(0)
    await a.stop()
    await expect(a.getPeers(infohash(3))).rejects.toMatchObject({ name: 'DHTStoppedError' })
    // it was given its socket, which stop() closed
    await expect(a.start()).rejects.toThrow(/cannot start again/)
  })

  it('starts again after stop() with a socket of its own, and answers', async () => {
    const a = mainlineDHT({ host: '127.0.0.1', port: 0, refreshInterval: 0 })
    await a.start()
    await a.stop()
    await a.start()
    started.push(a)
    const b = mainlineDHT({ host: '127.0.0.1', port: 0, refreshInterval: 0 })
    await b.start()
    started.push(b)
    const [address] = a.addresses()
    await expect(b.ping(address!)).resolves.toBeDefined()
  })

  it('carries well-formed KRPC on the wire', async () => {
    const network = new MemoryNetwork()
    const a = await node(network)
    const raw = network.socket('11.5.5.5', 5)
    const replies: Uint8Array[] = []
    raw.onMessage((bytes) => {
      // the node also pings this unknown querier before trusting it: keep only the answer
      if (bytesToLatin1((decode(bytes) as Record<string, Uint8Array>).y as Uint8Array) === 'r')
        replies.push(bytes)
    })
    raw.send(
      new TextEncoder().encode('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe'),
      a.addresses()[0] as never,
    )
    await new Promise((resolve) => setTimeout(resolve, 20))
    const reply = decode(replies[0] as Uint8Array) as Record<string, Uint8Array | Record<string, Uint8Array>>
    expect(bytesToLatin1(reply.t as Uint8Array)).toBe('aa')
    expect(bytesToLatin1(reply.y as Uint8Array)).toBe('r')
    expect((reply.r as Record<string, Uint8Array>).id).toEqual(a.id)
    expect(reply.ip).toEqual(Uint8Array.of(11, 5, 5, 5, 0, 5))
  })
})

describe('a swarm of 200 nodes', () => {
  it('finds announced peers from any node', async () => {
    const swarm = await createSwarm(200, { secureIds: 'enforce' })
    started.push(swarm)
    const { nodes } = swarm
    const announcers = [nodes[3], nodes[77], nodes[150]] as MainlineDHT[]
    for (const [index, announcer] of announcers.entries()) {
      const result = await announcer.announce(infohash(100 + index), { port: 5000 + index })
      expect(result.announced).toBeGreaterThanOrEqual(4)
    }
    for (const [index, announcer] of announcers.entries()) {
      for (const seeker of [nodes[0], nodes[99], nodes[199]] as MainlineDHT[]) {
        const { peers, stats } = await seeker.getPeers(infohash(100 + index))
        expect(peers).toContainEqual({ host: announcer.addresses()[0]?.host, port: 5000 + index })
        expect(stats.rounds).toBeLessThanOrEqual(6)
      }
    }
    const sizes = nodes.map((dht) => dht.table.size)
    expect(Math.min(...sizes)).toBeGreaterThan(8)
  }, 60_000)
})
