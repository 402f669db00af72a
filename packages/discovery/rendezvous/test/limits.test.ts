/**
 * Byte limits of the rendezvous point (issue 13, defect 4): stored bytes per
 * peer and in total, the size of one DISCOVER answer (paged by a byte budget
 * and continued by the cookie), and the answers a peer that does not read
 * can make the point hold.
 */
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerRecord, RecordEnvelope } from '@weft/record'
import { defaultLogger, delay, encodeLengthPrefixed, StreamReader, streamPair } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Message, Rendezvous, RendezvousServer, type RendezvousServerInit } from '../src/index.js'
import { TestNetwork, type TestPeer, testPeer } from './network.js'

const networks: TestNetwork[] = []
async function network(init: RendezvousServerInit = {}): Promise<TestNetwork> {
  const created = await TestNetwork.create(init)
  networks.push(created)
  return created
}

afterEach(async () => {
  await Promise.all(networks.splice(0).map(async (created) => created.stop()))
})

async function until(condition: () => boolean, timeout = 5_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await delay(5)
  }
}

/** A signed peer record of `peer` with `addresses` long addresses (about 60 bytes each). */
async function sealedRecord(peer: TestPeer, addresses: number): Promise<Uint8Array<ArrayBuffer>> {
  const multiaddrs = Array.from({ length: addresses }, (_, index) =>
    multiaddr(`/dns4/host-${index}.${'x'.repeat(40)}.example/tcp/4001`),
  )
  const envelope = await RecordEnvelope.seal(
    new PeerRecord({ peerId: peer.peerId, multiaddrs }),
    peer.privateKey,
  )
  return envelope.marshal() as Uint8Array<ArrayBuffer>
}

function send(stream: Stream, message: Message): void {
  stream.send(encodeLengthPrefixed(Message.encode(message)))
}

/** The next answer on `stream` and its size on the wire, length prefix included. */
async function receive(reader: StreamReader): Promise<{ message: Message; wireSize: number }> {
  const bytes = await reader.readLengthPrefixed(8 * 1024 * 1024)
  const prefix = bytes.byteLength < 128 ? 1 : bytes.byteLength < 16_384 ? 2 : 3
  return { message: Message.decode(bytes), wireSize: bytes.byteLength + prefix }
}

async function registerRaw(
  net: TestNetwork,
  peer: TestPeer,
  namespace: string,
  signedPeerRecord: Uint8Array<ArrayBuffer>,
): Promise<Message.RegisterResponse | undefined> {
  const stream = net.rawStream(peer.peerId)
  const reader = new StreamReader(stream)
  try {
    send(stream, { type: Message.MessageType.REGISTER, register: { ns: namespace, signedPeerRecord } })
    return (await receive(reader)).message.registerResponse
  } finally {
    reader.release()
    await stream.close()
  }
}

describe('rendezvous byte limits', () => {
  it('pages DISCOVER by bytes: every answer fits maxResponseSize, and the client following the cookie gets every registration once', async () => {
    const maxResponseSize = 16 * 1024
    const net = await network({ maxRecordSize: 4096, maxResponseSize })
    const peers = await Promise.all(Array.from({ length: 30 }, async () => testPeer()))
    for (const [index, peer] of peers.entries()) {
      const answer = await registerRaw(net, peer, 'ns', await sealedRecord(peer, 10 + (index % 4) * 10))
      expect(answer?.status).toBe(Message.ResponseStatus.OK)
    }
    expect(net.server.registrations.bytes).toBeGreaterThan(3 * maxResponseSize)

    // on the wire: the first page is under the cap, and over 3/4 of it
    const stream = net.rawStream(peers[0]!.peerId)
    const reader = new StreamReader(stream)
    send(stream, { type: Message.MessageType.DISCOVER, discover: { ns: 'ns' } })
    const { message, wireSize } = await receive(reader)
    expect(message.discoverResponse?.status).toBe(Message.ResponseStatus.OK)
    expect(wireSize).toBeLessThanOrEqual(maxResponseSize)
    expect(wireSize).toBeGreaterThan((maxResponseSize * 3) / 4)
    reader.release()
    stream.abort(new Error('done'))

    // through the client, page after page
    const client = await net.client()
    const seen: string[] = []
    let cookie: Uint8Array | undefined
    let pages = 0
    for (; pages < 100; pages++) {
      const page = await client.discover(net.point, { namespace: 'ns', cookie })
      cookie = page.cookie
      if (page.registrations.length === 0) break
      seen.push(...page.registrations.map((registration) => registration.id.toString()))
    }
    expect(pages).toBeGreaterThanOrEqual(4)
    expect(seen).toEqual(peers.map((peer) => peer.peerId.toString()))
  })

  it('refuses a record over maxRecordSize and bytes beyond the per-peer cap, with the spec status codes', async () => {
    const peer = await testPeer()
    const record = await sealedRecord(peer, 22)
    expect(record.byteLength).toBeGreaterThan(1300)
    expect(record.byteLength).toBeLessThan(1600)
    // room for three registrations of `record` (record and one-byte namespace), and 50 bytes more
    const maxBytesPerPeer = 3 * (record.byteLength + 1) + 50
    const net = await network({ maxRecordSize: 2048, maxBytesPerPeer })
    const big = await sealedRecord(peer, 40)
    expect(big.byteLength).toBeGreaterThan(2048)
    expect(big.byteLength).toBeLessThan(2048 + 1024)
    const refused = await registerRaw(net, peer, 'a', big)
    expect(refused?.status).toBe(Message.ResponseStatus.E_INVALID_SIGNED_PEER_RECORD)
    expect(refused?.statusText).toMatch(/at most 2048 bytes/)

    const statuses: Array<Message.ResponseStatus | undefined> = []
    for (const namespace of ['a', 'b', 'c', 'd']) {
      statuses.push((await registerRaw(net, peer, namespace, record))?.status)
    }
    const { OK, E_UNAVAILABLE } = Message.ResponseStatus
    expect(statuses).toEqual([OK, OK, OK, E_UNAVAILABLE])
    expect(net.server.registrations.bytesOf(peer.peerId.toString())).toBe(3 * (record.byteLength + 1))
    // the client sees the refusal as a RendezvousError with the status; refreshing 'a' with a smaller record is fine
    const client = await net.client({}, peer)
    await expect(client.register(net.point, 'e')).rejects.toMatchObject({
      name: 'RendezvousError',
      status: 'E_UNAVAILABLE',
    })
    await expect(client.register(net.point, 'a')).resolves.toBe(7200)
  })

  it('a peer that does not read holds at most maxDiscoversPerPeer answers; all held answers are capped, and released when the streams go', async () => {
    const net = await network({ maxDiscoversPerPeer: 1, maxPendingResponseBytes: 1024 * 1024 })
    for (let index = 0; index < 100; index++) {
      net.server.registrations.register(
        { namespace: 'big', peer: `filler-${index}`, signedPeerRecord: new Uint8Array(7000) },
        Date.now(),
      )
    }
    const [mallory, eve, trent] = await Promise.all([testPeer(), testPeer(), testPeer()])
    const ask = (stream: Stream): void =>
      send(stream, { type: Message.MessageType.DISCOVER, discover: { ns: 'big' } })

    // mallory asks and does not read: her answer (all 100) waits to be taken
    const unread = net.rawStream(mallory.peerId)
    unread.pause()
    ask(unread)
    await until(() => net.server.pendingBytes > 700_000)
    const held = net.server.pendingBytes

    // a second question from her, on another stream, is refused
    const second = net.rawStream(mallory.peerId)
    const secondReader = new StreamReader(second)
    ask(second)
    const refused = (await receive(secondReader)).message.discoverResponse
    expect(refused?.status).toBe(Message.ResponseStatus.E_UNAVAILABLE)
    expect(refused?.statusText).toMatch(/per peer/)

    // eve does not read either: she gets what room is left under the global cap
    const eveStream = net.rawStream(eve.peerId)
    eveStream.pause()
    ask(eveStream)
    await until(() => net.server.pendingBytes > held)
    expect(net.server.pendingBytes).toBeLessThanOrEqual(1024 * 1024)

    // no room for even one registration: trent is told to come back later
    const trentStream = net.rawStream(trent.peerId)
    const trentReader = new StreamReader(trentStream)
    ask(trentStream)
    const busy = (await receive(trentReader)).message.discoverResponse
    expect(busy?.status).toBe(Message.ResponseStatus.E_UNAVAILABLE)
    expect(busy?.statusText).toMatch(/busy/)

    // they leave: everything held is released, and trent is served in full
    unread.abort(new Error('mallory leaves'))
    eveStream.abort(new Error('eve leaves'))
    await until(() => net.server.pendingBytes === 0)
    ask(trentStream)
    const served = (await receive(trentReader)).message.discoverResponse
    expect(served?.status).toBe(Message.ResponseStatus.OK)
    expect(served?.registrations).toHaveLength(100)
    await until(() => net.server.pendingBytes === 0)
    secondReader.release()
    trentReader.release()
  })

  it('refuses an init whose answers could not hold one registration or exceed what a client accepts', () => {
    const components = {
      logger: defaultLogger(),
      registrar: { handle: async () => {}, unhandle: async () => {} },
    }
    const make = (init: RendezvousServerInit) => () => new RendezvousServer(components, init)
    expect(make({ maxResponseSize: 5 * 1024 * 1024 })).toThrow(RangeError)
    expect(make({ maxResponseSize: 8 * 1024 })).toThrow(/must hold the largest registration/)
    expect(make({ maxDiscoverLimit: 2000 })).toThrow(RangeError)
    expect(make({ maxPendingResponseBytes: 1024 })).toThrow(RangeError)
    expect(make({ maxBytes: 0 })).toThrow(RangeError)
    expect(make({ maxRecordSize: 1024, maxResponseSize: 4096 })).not.toThrow()
  })

  it('the client refuses a cookie over 1 KiB and keeps copies of the records it returns', async () => {
    const self = await testPeer()
    const other = await testPeer()
    const record = await sealedRecord(other, 1)
    const answers = [{ cookie: new Uint8Array(2000) }, { cookie: new Uint8Array(20) }]
    const client = new Rendezvous({
      peerId: self.peerId,
      privateKey: self.privateKey,
      logger: defaultLogger(),
      addressManager: { getAddresses: () => [] },
      connectionManager: {
        openStream: async () => {
          const [outbound, inbound] = streamPair()
          const reader = new StreamReader(inbound)
          void reader.readLengthPrefixed(1024).then(() => {
            const { cookie } = answers.shift()!
            send(inbound as unknown as Stream, {
              type: Message.MessageType.DISCOVER_RESPONSE,
              discoverResponse: {
                status: Message.ResponseStatus.OK,
                cookie: cookie as Uint8Array<ArrayBuffer>,
                registrations: [{ ns: 'ns', signedPeerRecord: record, ttl: 60n }],
              },
            })
          })
          return outbound as unknown as Stream
        },
      },
    })
    const point = `/memory/fake/p2p/${other.peerId.toString()}`
    await expect(client.discover(point)).rejects.toMatchObject({ name: 'InvalidMessageError' })
    const { registrations, cookie } = await client.discover(point)
    expect(cookie?.buffer.byteLength).toBe(20)
    expect(registrations[0]?.signedPeerRecord.buffer.byteLength).toBe(record.byteLength)
  })
})
