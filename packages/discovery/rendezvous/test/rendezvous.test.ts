import type { PeerInfo } from '@libp2p/interface'
import { PeerRecord, RecordEnvelope } from '@weft/record'
import { delay, encodeLengthPrefixed, StreamReader } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Message, RendezvousError } from '../src/index.js'
import { TestNetwork, testPeer } from './network.js'

const networks: TestNetwork[] = []
async function network(init = {}): Promise<TestNetwork> {
  const created = await TestNetwork.create(init)
  networks.push(created)
  return created
}

afterEach(async () => {
  await Promise.all(networks.splice(0).map(async (created) => created.stop()))
})

async function until(condition: () => boolean, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(10)
  }
}

describe('rendezvous protocol', () => {
  it('ten peers register under a namespace and each discovers the other nine', async () => {
    const net = await network()
    const clients = await Promise.all(Array.from({ length: 10 }, async () => net.client()))
    const granted = await Promise.all(clients.map(async (client) => client.register(net.point, 'my-app')))
    expect(granted).toEqual(Array(10).fill(7200))
    await clients[0]!.register(net.point, 'other-app')
    for (const client of clients) {
      const { registrations } = await client.discover(net.point, { namespace: 'my-app' })
      const others = registrations.filter((registration) => !registration.id.equals(client.peer.peerId))
      expect(others).toHaveLength(9)
      expect(others.every((registration) => registration.namespace === 'my-app')).toBe(true)
      expect(others[0]!.multiaddrs[0]!.toString()).toBe('/ip4/10.0.0.1/tcp/4001')
    }
    // no namespace: every registration
    expect((await clients[1]!.discover(net.point)).registrations).toHaveLength(11)
  })

  it('pages with limit and cookie, and the cookie returns only new registrations', async () => {
    const net = await network()
    const clients = await Promise.all(Array.from({ length: 5 }, async () => net.client()))
    for (const client of clients.slice(0, 4)) await client.register(net.point, 'ns')
    const first = await clients[4]!.discover(net.point, { namespace: 'ns', limit: 3 })
    expect(first.registrations).toHaveLength(3)
    const second = await clients[4]!.discover(net.point, { namespace: 'ns', cookie: first.cookie })
    expect(second.registrations).toHaveLength(1)
    await clients[4]!.register(net.point, 'ns')
    const third = await clients[4]!.discover(net.point, { namespace: 'ns', cookie: second.cookie })
    expect(third.registrations.map((registration) => registration.id.toString())).toEqual([
      clients[4]!.peer.peerId.toString(),
    ])
    await expect(
      clients[4]!.discover(net.point, { namespace: 'other', cookie: first.cookie }),
    ).rejects.toMatchObject({
      name: 'RendezvousError',
      status: 'E_INVALID_COOKIE',
    })
  })

  it('registrations expire when their ttl runs out', async () => {
    const net = await network({ minTtl: 1 })
    const [a, b] = await Promise.all([net.client(), net.client()])
    expect(await a.register(net.point, 'ns', { ttl: 1 })).toBe(1)
    expect((await b.discover(net.point, { namespace: 'ns' })).registrations).toHaveLength(1)
    await delay(1100)
    expect((await b.discover(net.point, { namespace: 'ns' })).registrations).toHaveLength(0)
  })

  it('refuses a ttl outside the bounds and registrations beyond the per-peer limit', async () => {
    const net = await network({ maxRegistrationsPerPeer: 2 })
    const client = await net.client()
    await expect(client.register(net.point, 'ns', { ttl: 60 })).rejects.toMatchObject({
      status: 'E_INVALID_TTL',
    })
    await client.register(net.point, 'one')
    await client.register(net.point, 'two')
    const refused = await client.register(net.point, 'three').catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(RendezvousError)
    expect(refused).toMatchObject({ status: 'E_UNAVAILABLE' })
    // after an unregister there is room again
    await client.unregister(net.point, 'one')
    await until(() => net.server.registrations.size === 1)
    await client.register(net.point, 'three')
  })

  it('refuses to register a peer record of another peer', async () => {
    const net = await network()
    const [mallory, victim] = await Promise.all([testPeer(), testPeer()])
    const envelope = await RecordEnvelope.seal(
      new PeerRecord({ peerId: victim.peerId, multiaddrs: [] }),
      victim.privateKey,
    )
    const stream = net.rawStream(mallory.peerId)
    stream.send(
      encodeLengthPrefixed(
        Message.encode({
          type: Message.MessageType.REGISTER,
          register: { ns: 'ns', signedPeerRecord: envelope.marshal() as Uint8Array<ArrayBuffer> },
        }),
      ),
    )
    const reader = new StreamReader(stream)
    const answer = Message.decode(await reader.readLengthPrefixed(1024))
    expect(answer.registerResponse?.status).toBe(Message.ResponseStatus.E_NOT_AUTHORIZED)
    expect(net.server.registrations.size).toBe(0)
  })

  it('resets a stream that sends garbage or an oversized message, and keeps serving others', async () => {
    const net = await network({ maxMessageSize: 400 })
    const peer = await testPeer()
    const closed: string[] = []
    const garbage = net.rawStream(peer.peerId)
    garbage.addEventListener('close', (evt) => closed.push(evt.error?.name ?? 'none'))
    garbage.send(encodeLengthPrefixed(new Uint8Array([0xff, 0xff, 0xff])))
    const big = net.rawStream(peer.peerId)
    big.addEventListener('close', (evt) => closed.push(evt.error?.name ?? 'none'))
    big.send(encodeLengthPrefixed(new Uint8Array(1000)))
    await until(() => closed.length === 2)
    expect(closed).toEqual(['StreamResetError', 'StreamResetError'])
    const client = await net.client()
    await client.register(net.point, 'still-works')
    expect(net.server.registrations.size).toBe(1)
  })

  it('as a discovery module: registers, discovers and emits peers, then goes quiet after stop', async () => {
    const net = await network()
    const init = { rendezvousPoints: [net.point], namespaces: ['app'], discoverInterval: 50 }
    const a = await net.client(init)
    const b = await net.client(init)
    const seenByA: PeerInfo[] = []
    const seenByB: PeerInfo[] = []
    a.addEventListener('peer', (evt) => seenByA.push(evt.detail))
    b.addEventListener('peer', (evt) => seenByB.push(evt.detail))
    a.start()
    b.start()
    await until(() => seenByA.length > 0 && seenByB.length > 0)
    expect(seenByA[0]!.id.equals(b.peer.peerId)).toBe(true)
    expect(seenByB[0]!.id.equals(a.peer.peerId)).toBe(true)
    expect(net.consumed.length).toBeGreaterThan(0)
    a.stop()
    b.stop()
    const count = seenByA.length + seenByB.length
    await net.client().then(async (c) => c.register(net.point, 'app'))
    await delay(150)
    expect(seenByA.length + seenByB.length).toBe(count)
    expect(a.isStarted()).toBe(false)
  })
})
