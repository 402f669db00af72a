import { type Message, TopicValidatorResult } from '@weft/pubsub'
import { TestNetwork } from '@weft/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { type GossipSub, gossipsub } from '../src/index.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('gossipsub over an in-process network', () => {
  let net: TestNetwork<GossipSub>
  afterEach(async () => {
    await net?.stop()
  })

  it('forms a mesh and delivers a message along a line of three', async () => {
    net = new TestNetwork()
    const [a, b, c] = await Promise.all(
      [0, 1, 2].map(() => net.addNode(gossipsub({ heartbeatTimer: false }))),
    )
    net.connect(a, b)
    net.connect(b, c)
    for (const n of [a, b, c]) n.service.subscribe('t')
    await until(
      () =>
        b.service.getSubscribers('t').length === 2 &&
        a.service.getSubscribers('t').length === 1 &&
        c.service.getSubscribers('t').length === 1,
    )
    for (const n of [a, b, c]) n.service.heartbeat()
    await until(() => b.service.getMeshPeers('t').length === 2)
    await until(() => a.service.getMeshPeers('t').length === 1 && c.service.getMeshPeers('t').length === 1)
    const got: Message[] = []
    c.service.addEventListener('message', (evt) => got.push(evt.detail))
    const result = await a.service.publish('t', text('hello'))
    expect(result.recipients.map(String)).toEqual([b.peerId.toString()])
    await until(() => got.length === 1)
    expect(new TextDecoder().decode(got[0].data)).toBe('hello')
    expect(got[0].type === 'signed' && got[0].from.equals(a.peerId)).toBe(true)
  })

  it('drops messages a topic validator rejects and penalises the sender', async () => {
    net = new TestNetwork()
    const [a, b] = await Promise.all([0, 1].map(() => net.addNode(gossipsub({ heartbeatTimer: false }))))
    net.connect(a, b)
    a.service.subscribe('t')
    b.service.subscribe('t')
    b.service.topicValidators.set('t', (_peer, msg) =>
      msg.data[0] === 0 ? TopicValidatorResult.Reject : TopicValidatorResult.Accept,
    )
    await until(() => a.service.getSubscribers('t').length === 1)
    const got: Message[] = []
    b.service.addEventListener('message', (evt) => got.push(evt.detail))
    await a.service.publish('t', Uint8Array.of(0))
    await a.service.publish('t', Uint8Array.of(1))
    await until(() => got.length === 1)
    expect(got[0].data).toEqual(Uint8Array.of(1))
    expect(b.service.getScore(a.peerId.toString())).toBeLessThan(0)
  })
})
