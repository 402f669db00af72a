/**
 * Acceptance 2 of the reach-any-peer issue, and reverse connect's signalling
 * half, against real mosquitto brokers on loopback: two hosts whose only
 * shared infrastructure is a broker find each other by peer id and connect;
 * forged, replayed and expired messages are ignored (counted, announced);
 * a peer asked to dial back does, and the connection is inbound at the
 * asker; a broker that goes away gives clear errors and comes back with
 * backoff, and nothing hangs.
 */
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { createHost, type Host, type LadderRecord } from '@weft/host'
import { noise } from '@weft/noise'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { connectAsync, type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSignal,
  encodeBody,
  encodeSealed,
  encodeSigned,
  type MqttSignalling,
  type MqttSignallingInit,
  mqttSignalling,
  type RejectEvent,
  recipientKey,
  type SignalEvent,
} from '../src/index.js'
import { seal } from '../src/seal.js'
import { Mosquitto, notRunReason } from './mosquitto.js'

type SignallingHost = Host<{ signalling: MqttSignalling }>

const NOT_RUN = notRunReason()

async function waitFor<T>(what: string, check: () => T | undefined, timeout = 10_000): Promise<T> {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe.skipIf(NOT_RUN !== '')(`MQTT signalling through mosquitto${NOT_RUN}`, () => {
  const brokers = [new Mosquitto(), new Mosquitto()]
  const hosts: SignallingHost[] = []
  const sniffers: MqttClient[] = []

  async function host(
    init: Partial<MqttSignallingInit> = {},
    privateKey?: PrivateKey,
    listen = true,
  ): Promise<SignallingHost> {
    const created = await createHost({
      ...(privateKey ? { privateKey } : {}),
      addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        signalling: mqttSignalling({
          brokers: [brokers[0]!.url],
          requestTimeout: 5_000,
          reconnectDelay: 100,
          maxReconnectDelay: 400,
          ...init,
        }),
      },
    })
    hosts.push(created)
    return created
  }

  /** An MQTT client on `topic`: what a broker (or anyone subscribed) sees. */
  async function sniff(
    topic: string,
    url = brokers[0]!.url,
  ): Promise<{ client: MqttClient; seen: Uint8Array[] }> {
    const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 })
    sniffers.push(client)
    const seen: Uint8Array[] = []
    client.on('message', (_topic, payload) => seen.push(new Uint8Array(payload)))
    await client.subscribeAsync(topic, { qos: 1 })
    return { client, seen }
  }

  function collect(host: SignallingHost): { messages: SignalEvent[]; rejects: RejectEvent[] } {
    const messages: SignalEvent[] = []
    const rejects: RejectEvent[] = []
    host.services.signalling.on('message', (message) => messages.push(message))
    host.services.signalling.on('reject', (reject) => rejects.push(reject))
    return { messages, rejects }
  }

  beforeAll(async () => {
    await Promise.all(brokers.map(async (broker) => broker.start()))
  })

  afterAll(async () => {
    await Promise.all(sniffers.map(async (client) => client.endAsync(true)))
    await Promise.all(hosts.map(async (h) => h.stop()))
    await Promise.all(brokers.map(async (broker) => broker.dispose()))
  })

  it('two hosts sharing only a broker find each other by peer id and connect', async () => {
    const a = await host()
    const b = await host()
    expect(a.services.signalling.connectedBrokers).toEqual([brokers[0]!.url])
    // the peer id alone is not enough without signalling: A knows no address of B
    expect(await a.peerStore.has(b.peerId)).toBe(false)

    const found = await a.peerRouting.findPeer(b.peerId)
    expect(found.id.equals(b.peerId)).toBe(true)
    const bAddrs = b.getMultiaddrs().map((addr) => addr.toString())
    expect(found.multiaddrs.map((addr) => addr.toString()).sort()).toEqual([...bAddrs].sort())

    const connection = await a.dial(b.peerId)
    expect(connection.remotePeer.equals(b.peerId)).toBe(true)
    expect(connection.direction).toBe('outbound')
    expect(a.services.signalling.stats.accepted).toBe(1) // B's reply
    expect(b.services.signalling.stats.accepted).toBe(1) // A's request
  })

  it('delivers a message sealed to the recipient, and ignores it replayed, forged or expired', async () => {
    const aKey = await generateKeyPair('Ed25519')
    const a = await host({}, aKey)
    const b = await host()
    const { messages, rejects } = collect(b)
    const wire = await sniff(b.services.signalling.topicOf(b.peerId))

    const payload = new TextEncoder().encode('meet me at 203.0.113.5')
    await a.services.signalling.send(b.peerId, { type: 'chat', payload })
    await waitFor('the message', () => messages.length === 1)
    expect(messages[0]!.from.equals(a.peerId)).toBe(true)
    expect(messages[0]!.type).toBe('chat')
    expect(messages[0]!.payload).toEqual(payload)
    // what the broker saw does not contain the payload
    const captured = await waitFor('the captured copy', () => wire.seen[0])
    expect(Buffer.from(captured).includes(Buffer.from(payload))).toBe(false)

    const topic = b.services.signalling.topicOf(b.peerId)
    // replayed: the same bytes again
    await wire.client.publishAsync(topic, Buffer.from(captured), { qos: 1 })
    await waitFor('the replay rejected', () => rejects.length === 1)
    expect(rejects[0]).toMatchObject({ reason: 'replayed', error: { name: 'ReplayedSignalError' } })

    // forged: Eve writes as A and signs with her key
    const eve = await generateKeyPair('Ed25519')
    const body = encodeBody({
      from: a.peerId.toMultihash().bytes,
      to: b.peerId.toMultihash().bytes,
      type: 'chat',
      payload: new TextEncoder().encode('dial 10.0.0.1 instead'),
      expiry: Date.now() + 30_000,
      nonce: crypto.getRandomValues(new Uint8Array(16)),
    })
    const signature = eve.sign(
      Buffer.concat([new TextEncoder().encode('weft-mqtt-signalling/v1 signature:'), body]),
    ) as Uint8Array
    const forged = encodeSealed(
      seal(
        encodeSigned({ body, publicKey: publicKeyToProtobuf(aKey.publicKey), signature }),
        recipientKey(b.peerId),
      ),
    )
    await wire.client.publishAsync(topic, Buffer.from(forged), { qos: 1 })
    await waitFor('the forgery rejected', () => rejects.length === 2)
    expect(rejects[1]).toMatchObject({ reason: 'forged', error: { name: 'InvalidSignatureError' } })

    // expired: signed by A's own key, but its expiry passed a minute ago
    const expired = createSignal({
      from: a.peerId,
      privateKey: aKey,
      to: b.peerId,
      message: { type: 'chat', payload },
      expiry: Date.now() - 60_000,
    })
    await wire.client.publishAsync(topic, Buffer.from(expired.bytes), { qos: 1 })
    await waitFor('the expired message rejected', () => rejects.length === 3)
    expect(rejects[2]).toMatchObject({ reason: 'expired', error: { name: 'ExpiredSignalError' } })

    // junk on the topic is one more rejection, not a crash
    await wire.client.publishAsync(topic, Buffer.from('not a signalling message'), { qos: 1 })
    await waitFor('the junk rejected', () => rejects.length === 4)
    expect(rejects[3]!.reason).toBe('malformed')

    expect(messages).toHaveLength(1)
    expect(b.services.signalling.stats).toMatchObject({
      accepted: 1,
      rejected: { replayed: 1, forged: 1, expired: 1, malformed: 1 },
    })
    // and B still works
    await a.services.signalling.send(b.peerId, { type: 'chat', payload })
    await waitFor('a second message', () => messages.length === 2)

    // a restart does not forget what was accepted: the first message replayed again is still refused
    await b.services.signalling.stop()
    await b.services.signalling.start()
    await wire.client.publishAsync(topic, Buffer.from(captured), { qos: 1 })
    await waitFor('the replay after a restart rejected', () => rejects.length === 5)
    expect(rejects[4]!.reason).toBe('replayed')
    expect(messages).toHaveLength(2)
  })

  it('bounds what junk costs: over the global rate, messages are dropped before any crypto', async () => {
    const b = await host({ globalRate: 0.001, globalBurst: 2 })
    const { rejects } = collect(b)
    const wire = await sniff(b.services.signalling.topicOf(b.peerId))
    for (let i = 0; i < 5; i++) {
      await wire.client.publishAsync(b.services.signalling.topicOf(b.peerId), Buffer.from(`junk ${i}`), {
        qos: 1,
      })
    }
    await waitFor('five rejections', () => rejects.length === 5)
    expect(rejects.map((reject) => reject.reason)).toEqual([
      'malformed',
      'malformed',
      'rateLimited',
      'rateLimited',
      'rateLimited',
    ])
    expect(b.services.signalling.stats.received).toBe(5)
  })

  it('publishes to every broker and delivers a message once', async () => {
    const urls = brokers.map((broker) => broker.url)
    const a = await host({ brokers: urls })
    const b = await host({ brokers: urls })
    await waitFor(
      'both brokers',
      () =>
        a.services.signalling.connectedBrokers.length === 2 &&
        b.services.signalling.connectedBrokers.length === 2,
    )
    const { messages, rejects } = collect(b)
    await a.services.signalling.send(b.peerId, { type: 'hello', payload: new Uint8Array(0) })
    await waitFor('the copy through the second broker', () => rejects.length === 1)
    expect(messages).toHaveLength(1)
    expect(rejects[0]!.reason).toBe('replayed')
  })

  it('reverse connect: the peer asked dials back, and the connection is inbound at the asker', async () => {
    const a = await host()
    const b = await host({ allowPrivateAddresses: true })
    const served: Array<{ peer: PeerId; ok: boolean }> = []
    b.services.signalling.on('dial-back', (event) => served.push(event))
    expect(a.getConnections(b.peerId)).toHaveLength(0)

    const connection = await a.services.signalling.requestDialBack(b.peerId)
    expect(connection.direction).toBe('inbound')
    expect(connection.remotePeer.equals(b.peerId)).toBe(true)
    await waitFor('the dial-back event', () => served.length === 1)
    expect(served[0]!.ok).toBe(true)
    const atB = b.getConnections(a.peerId)
    expect(atB.map((c) => c.direction)).toEqual(['outbound'])
  })

  it("host.dial(peerId) with no address known climbs the host's ladder to the reverse rung", async () => {
    const a = await host()
    const b = await host({ allowPrivateAddresses: true })
    expect(await a.peerStore.has(b.peerId)).toBe(false)
    const connection = await a.dial(b.peerId)
    expect(connection.remotePeer.equals(b.peerId)).toBe(true)
    expect(connection.direction).toBe('inbound') // B dialled A
    // the ladder's record: the rung that made it
    expect((connection as { ladder?: LadderRecord }).ladder?.rung).toBe('reverse')
  })

  it('reverse connect refuses addresses outside the policy at once, with a reason', async () => {
    const a = await host()
    const c = await host() // default policy: no loopback or private addresses
    const started = Date.now()
    await expect(a.services.signalling.requestDialBack(c.peerId)).rejects.toMatchObject({
      name: 'DialBackFailedError',
      message: expect.stringMatching(/dial-back policy/),
    })
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(c.getConnections(a.peerId)).toHaveLength(0)
  })

  it('reverse connect reports a dial-back that could not connect, with the reason', async () => {
    const a = await host()
    const b = await host({ allowPrivateAddresses: true, dialBackTimeout: 1_000 })
    // a loopback port nobody listens on (a broker's, freed)
    const closed = new Mosquitto()
    await closed.start()
    const port = closed.port
    await closed.dispose()
    const started = Date.now()
    await expect(
      a.services.signalling.requestDialBack(b.peerId, [multiaddr(`/ip4/127.0.0.1/tcp/${port}`)]),
    ).rejects.toMatchObject({ name: 'DialBackFailedError', message: expect.stringContaining(`/tcp/${port}`) })
    expect(Date.now() - started).toBeLessThan(4_000)
    expect(b.getConnections(a.peerId)).toHaveLength(0)
  })

  it('a request nobody answers ends in a TimeoutError', async () => {
    const a = await host({ requestTimeout: 500 })
    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const started = Date.now()
    await expect(a.services.signalling.findPeer(nobody)).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('a broker that goes away: clear errors at once, reconnection with backoff, stop() does not hang', async () => {
    const broker = new Mosquitto()
    await broker.start()
    try {
      const a = await host({ brokers: [broker.url] })
      const b = await host({ brokers: [broker.url] })
      const disconnects: Array<{ url: string; error?: Error }> = []
      a.services.signalling.on('broker:disconnect', (event) => disconnects.push(event))
      let reconnects = 0
      a.services.signalling.on('broker:connect', () => reconnects++)

      await broker.stop()
      await waitFor('the disconnect event', () => disconnects.length === 1)
      expect(disconnects[0]!.url).toBe(broker.url)
      const started = Date.now()
      await expect(
        a.services.signalling.send(b.peerId, { type: 't', payload: new Uint8Array(0) }),
      ).rejects.toMatchObject({
        name: 'NoBrokerError',
      })
      await expect(a.peerRouting.findPeer(b.peerId)).rejects.toMatchObject({ name: 'NoBrokerError' })
      expect(Date.now() - started).toBeLessThan(500)

      // back on the same port: both hosts resubscribe by themselves
      await new Promise((resolve) => setTimeout(resolve, 600)) // a few failed attempts first
      await broker.start()
      await waitFor(
        'the reconnection',
        () => reconnects === 1 && b.services.signalling.connectedBrokers.length === 1,
      )
      const found = await a.peerRouting.findPeer(b.peerId)
      expect(found.multiaddrs.length).toBeGreaterThan(0)

      // broker gone for good: stopping is prompt
      await broker.stop()
      const stopping = Date.now()
      await Promise.all([a.stop(), b.stop()])
      expect(Date.now() - stopping).toBeLessThan(2_000)
    } finally {
      await broker.dispose()
    }
  })

  it('a host whose brokers are all down still starts, says NoBrokerError, and stops promptly', async () => {
    const down = new Mosquitto()
    await down.start()
    const url = down.url
    await down.dispose() // the port is free again: nothing listens there
    const started = Date.now()
    const a = await host({ brokers: [url], startTimeout: 500, connectTimeout: 300 })
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(a.services.signalling.connectedBrokers).toEqual([])
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await expect(
      a.services.signalling.send(other, { type: 't', payload: new Uint8Array(0) }),
    ).rejects.toMatchObject({
      name: 'NoBrokerError',
    })
    const stopping = Date.now()
    await a.stop()
    expect(Date.now() - stopping).toBeLessThan(2_000)
  })
})
