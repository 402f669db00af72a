import {
  type Message,
  NoPeersSubscribedToTopicError,
  PubSubNotStartedError,
  StrictNoSign,
  type SubscriptionChangeData,
} from '@weft/pubsub'
import { TestNetwork } from '@weft/testkit'
import { encodeLengthPrefixed } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { FLOODSUB_PROTOCOL, type FloodSub, floodsub } from '../src/index.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('floodsub', () => {
  let net: TestNetwork<FloodSub>
  afterEach(async () => {
    await net?.stop()
  })

  it('tracks subscriptions and emits subscription-change', async () => {
    net = new TestNetwork()
    const [a, b] = await Promise.all([net.addNode(floodsub()), net.addNode(floodsub())])
    const changes: SubscriptionChangeData[] = []
    a.service.addEventListener('subscription-change', (evt) => changes.push(evt.detail))
    b.service.subscribe('x')
    net.connect(a, b)
    await until(() => a.service.getSubscribers('x').length === 1)
    expect(a.service.getSubscribers('x')[0].equals(b.peerId)).toBe(true)
    expect(changes[0].peerId.equals(b.peerId)).toBe(true)
    expect(changes[0].subscriptions).toEqual([{ topic: 'x', subscribe: true }])
    b.service.unsubscribe('x')
    await until(() => a.service.getSubscribers('x').length === 0)
    expect(b.service.getTopics()).toEqual([])
    expect(a.service.getPeers().map(String)).toEqual([b.peerId.toString()])
  })

  it('floods along a line, each node delivering once', async () => {
    net = new TestNetwork()
    const nodes = await Promise.all([0, 1, 2, 3].map(() => net.addNode(floodsub())))
    for (let i = 0; i < 3; i++) net.connect(nodes[i], nodes[i + 1])
    const got = nodes.map(() => [] as Message[])
    nodes.forEach((n, i) => {
      n.service.subscribe('t')
      n.service.addEventListener('message', (evt) => got[i].push(evt.detail))
    })
    await until(
      () =>
        nodes[1].service.getSubscribers('t').length === 2 &&
        nodes[3].service.getSubscribers('t').length === 1,
    )
    const result = await nodes[0].service.publish('t', text('hi'))
    expect(result.recipients.map(String)).toEqual([nodes[1].peerId.toString()])
    await until(() => got[3].length === 1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(got.map((list) => list.length)).toEqual([0, 1, 1, 1])
    expect(nodes[3].service.counters.duplicates).toBe(0)
  })

  it('throws when nobody listens, unless told not to; emitSelf delivers our own', async () => {
    net = new TestNetwork()
    const lonely = await net.addNode(floodsub())
    await expect(lonely.service.publish('t', text('x'))).rejects.toThrow(NoPeersSubscribedToTopicError)
    const selfish = await net.addNode(floodsub({ emitSelf: true, allowPublishToZeroTopicPeers: true }))
    selfish.service.subscribe('t')
    const got: Message[] = []
    selfish.service.addEventListener('message', (evt) => got.push(evt.detail))
    expect((await selfish.service.publish('t', text('me'))).recipients).toEqual([])
    expect(got.length).toBe(1)
  })

  it('refuses use while stopped and leaves no peers after stop', async () => {
    net = new TestNetwork()
    const node = await net.addNode(floodsub(), { start: false })
    expect(() => node.service.subscribe('t')).toThrow(PubSubNotStartedError)
    await expect(node.service.publish('t', text('x'))).rejects.toThrow(PubSubNotStartedError)
    await node.service.start()
    const other = await net.addNode(floodsub())
    net.connect(node, other)
    await until(() => node.service.getPeers().length === 1)
    await node.service.stop()
    expect(node.service.getPeers()).toEqual([])
    expect(node.handlers.size).toBe(0)
    expect(node.topologies.size).toBe(0)
  })

  it('drops messages that break the signature policy', async () => {
    net = new TestNetwork()
    const signer = await net.addNode(floodsub())
    const strict = await net.addNode(floodsub({ globalSignaturePolicy: StrictNoSign }))
    net.connect(signer, strict)
    strict.service.subscribe('t')
    signer.service.subscribe('t')
    await until(() => signer.service.getSubscribers('t').length === 1)
    await signer.service.publish('t', text('signed'))
    await until(() => strict.service.counters.rejected === 1)
    expect(strict.service.counters.accepted).toBe(0)
  })

  it('aborts only the stream that sends a malformed or oversized frame', async () => {
    net = new TestNetwork()
    const victim = await net.addNode(floodsub({ maxInboundDataLength: 1024 }))
    const other = await net.addNode(floodsub())
    net.connect(other, victim)
    await until(() => victim.service.getPeers().length === 1)
    const conn = other.connections.get(victim.peerId.toString())!.connection
    const bad = await conn.newStream(FLOODSUB_PROTOCOL)
    bad.send(encodeLengthPrefixed(Uint8Array.of(0x0a, 0xff, 0xff)))
    await until(() => bad.status !== 'open')
    const big = await conn.newStream(FLOODSUB_PROTOCOL)
    big.send(encodeLengthPrefixed(new Uint8Array(2048)))
    await until(() => big.status !== 'open')
    // the peer and its first streams live on
    victim.service.subscribe('t')
    await until(() => other.service.getSubscribers('t').length === 1)
    expect(victim.service.getPeers().length).toBe(1)
  })
})
