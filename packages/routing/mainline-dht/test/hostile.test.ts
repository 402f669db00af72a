/**
 * Bad input (issue 19, acceptance 5, the BEP5 part): every bad datagram is
 * dropped or answered with a KRPC error, memory stays bounded, and the
 * routing table holds only nodes that answered from their own address.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  type Address,
  type BencodeValue,
  bytesToLatin1,
  decode,
  encode,
  encodeNodes,
  type MainlineDHT,
  MemoryNetwork,
  mainlineDHT,
  randomId,
  type UdpSocket,
} from '../src/index.js'
import { infohash } from './swarm.js'

const started: MainlineDHT[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((dht) => dht.stop()))
})

/** Waits `ms`, then a few event-loop turns: memory datagrams are delivered on setImmediate. */
async function settle(ms = 20): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
  for (let turn = 0; turn < 4; turn++) await new Promise((resolve) => setImmediate(resolve))
}

async function victim(
  network: MemoryNetwork,
  init: Parameters<typeof mainlineDHT>[0] = {},
): Promise<MainlineDHT> {
  const dht = mainlineDHT({ socket: network.socket(), refreshInterval: 0, timeout: 100, retries: 0, ...init })
  await dht.start()
  started.push(dht)
  return dht
}

/**
 * A raw socket that records the answers it receives (with `queries`, the
 * queries too: the victim pings unknown queriers before trusting them).
 */
function attacker(
  network: MemoryNetwork,
  host = '66.6.6.6',
  port = 666,
  queries = false,
): { socket: UdpSocket; replies: Array<{ bytes: Uint8Array; from: Address }> } {
  const socket = network.socket(host, port)
  const replies: Array<{ bytes: Uint8Array; from: Address }> = []
  socket.onMessage((bytes, from) => {
    if (queries || bytesToLatin1(dict(bytes).y as Uint8Array) !== 'q') replies.push({ bytes, from })
  })
  return { socket, replies }
}

type Dict = Record<string, BencodeValue>
const dict = (bytes: Uint8Array): Dict => decode(bytes) as Dict
const errorCode = (bytes: Uint8Array): number | undefined =>
  (dict(bytes).e as BencodeValue[] | undefined)?.[0] as number | undefined

function query(method: string, args: Record<string, unknown>, t = 'xy'): Uint8Array {
  return encode({ t, y: 'q', q: method, a: { id: randomId(), ...args } as never })
}

describe('hostile input', () => {
  it('drops truncated, deeply nested and huge-length datagrams and keeps serving', async () => {
    const network = new MemoryNetwork()
    const dht = await victim(network)
    const { socket, replies } = attacker(network)
    const to = dht.addresses()[0] as Address
    const text = new TextEncoder()
    const bad = [
      text.encode('d1:t2:xy1:y1:q1:q4:ping1:ad2:id20:abc'),
      text.encode(`${'l'.repeat(5000)}${'e'.repeat(5000)}`),
      text.encode(`d1:t2:xy1:y1:q1:q4:ping1:ad2:id${'9'.repeat(30)}:xeee`),
      text.encode('d1:t2:xy1:y1:q1:q4:ping1:ad2:id4294967296:e'),
      text.encode(`d1:ai${'9'.repeat(40)}ee`),
      new Uint8Array(65_536),
      new Uint8Array(0),
    ]
    for (const bytes of bad) socket.send(bytes, to)
    await settle()
    expect(replies).toEqual([])
    expect(dht.counters.malformed).toBe(bad.length)
    socket.send(query('ping', {}), to)
    await settle()
    expect(replies).toHaveLength(1)
    expect(bytesToLatin1(dict(replies[0]?.bytes as Uint8Array).y as Uint8Array)).toBe('r')
  })

  it('answers a query with a malformed id with error 203 and unknown query types with 204', async () => {
    const network = new MemoryNetwork()
    const dht = await victim(network)
    const { socket, replies } = attacker(network)
    const to = dht.addresses()[0] as Address
    socket.send(encode({ t: 'ab', y: 'q', q: 'ping', a: { id: 'short' } }), to)
    socket.send(query('bogus_method', {}), to)
    socket.send(query('find_node', { target: 'short' }), to)
    await settle()
    expect(replies.map((reply) => errorCode(reply.bytes))).toEqual([203, 204, 203])
    expect(bytesToLatin1(dict(replies[0]?.bytes as Uint8Array).t as Uint8Array)).toBe('ab')
  })

  it('refuses forged and stolen tokens with error 203 and stores nothing', async () => {
    const network = new MemoryNetwork()
    const dht = await victim(network)
    const { socket, replies } = attacker(network)
    const to = dht.addresses()[0] as Address
    const target = infohash(9)
    socket.send(query('announce_peer', { info_hash: target, port: 1234, token: new Uint8Array(8) }), to)
    socket.send(query('announce_peer', { info_hash: target, port: 1234 }), to)
    // a token issued to another IP is no good from this one
    const honest = attacker(network, '77.7.7.7', 777)
    honest.socket.send(query('get_peers', { info_hash: target }), to)
    await settle()
    const stolen = dict(honest.replies[0]?.bytes as Uint8Array).r as Dict
    socket.send(query('announce_peer', { info_hash: target, port: 1234, token: stolen.token }), to)
    await settle()
    expect(replies.map((reply) => errorCode(reply.bytes))).toEqual([203, 203, 203])
    expect(dht.peers.size).toBe(0)
    // the rightful holder's announcement is accepted
    honest.socket.send(query('announce_peer', { info_hash: target, port: 1234, token: stolen.token }), to)
    await settle()
    expect(dht.peers.get(target)).toEqual([{ host: '77.7.7.7', port: 1234 }])
  })

  it('rate-limits a flood from one address and bounds the hosts it tracks', async () => {
    const network = new MemoryNetwork({ maxQueued: 100_000 })
    const dht = await victim(network, { rateLimit: { ratePerSecond: 10, burst: 20, maxHosts: 100 } })
    const { socket, replies } = attacker(network)
    const to = dht.addresses()[0] as Address
    for (let index = 0; index < 5000; index++) socket.send(query('ping', {}, `${index}`), to)
    await settle(50)
    expect(replies.length).toBeGreaterThanOrEqual(20)
    expect(replies.length).toBeLessThan(30)
    expect(dht.counters.rateLimited).toBeGreaterThan(4900)
    // from many addresses: the limiter's map and the routing table stay bounded
    for (let index = 0; index < 3000; index++) {
      network.inject(query('ping', {}), { host: `88.${(index >> 8) & 0xff}.${index & 0xff}.1`, port: 1 }, to)
    }
    await settle(50)
    const internals = dht as unknown as { rpc: { trackedHosts: number } }
    expect(internals.rpc.trackedHosts).toBeLessThanOrEqual(100)
    // the queriers never answer the ping that would let them in, and few pings are sent at once
    expect(dht.table.size).toBe(0)
    expect(dht.inFlight).toBeLessThanOrEqual(16)
  })

  it('drops answers from addresses that were not asked and keeps them out of the table', async () => {
    const network = new MemoryNetwork({ maxQueued: 10_000 })
    const dht = await victim(network, { timeout: 2_000 })
    const { socket, replies } = attacker(network, '55.5.5.5', 555, true)
    const pending = dht.ping(socket.addresses()[0] as Address)
    await settle()
    const asked = dict(replies[0]?.bytes as Uint8Array)
    const forgedId = randomId()
    const answer = encode({ t: asked.t, y: 'r', r: { id: forgedId } })
    // the right transaction id, from the wrong address: dropped
    network.inject(answer, { host: '55.5.5.6', port: 555 }, dht.addresses()[0] as Address)
    network.inject(answer, { host: '55.5.5.5', port: 556 }, dht.addresses()[0] as Address)
    // every transaction id from an address never asked: dropped
    for (let t = 0; t < 2000; t++) {
      network.inject(
        encode({ t: Uint8Array.of(t >> 8, t & 0xff), y: 'r', r: { id: randomId() } }),
        { host: '44.4.4.4', port: 1 },
        dht.addresses()[0] as Address,
      )
    }
    await settle()
    expect(dht.counters.unsolicited).toBe(2002)
    expect(dht.table.size).toBe(0)
    socket.send(answer, dht.addresses()[0] as Address)
    await expect(pending).resolves.toEqual(forgedId)
    expect(dht.table.size).toBe(1)
  })

  it('is not poisoned by a responder listing fake nodes', async () => {
    const network = new MemoryNetwork()
    const dht = await victim(network)
    const liar = attacker(network, '33.3.3.3', 333, true)
    const liarId = randomId()
    const fakes = Array.from({ length: 8 }, (_, index) => ({
      id: randomId(),
      host: `22.2.2.${index + 1}`,
      port: 2,
    }))
    liar.socket.onMessage((bytes, from) => {
      const message = dict(bytes)
      liar.socket.send(
        encode({ t: message.t as Uint8Array, y: 'r', r: { id: liarId, nodes: encodeNodes(fakes, 4) } }),
        from,
      )
    })
    await dht.bootstrap([liar.socket.addresses()[0] as Address])
    const result = await dht.findNode(randomId())
    // the fakes were tried (they are unreachable) but only the liar, which did answer, is in the table
    expect(result.stats.failures).toBeGreaterThanOrEqual(8)
    expect(dht.table.nodes().map((node) => node.host)).toEqual(['33.3.3.3'])
    expect(dht.inFlight).toBe(0)
  })
})
