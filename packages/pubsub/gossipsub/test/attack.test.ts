/**
 * A peer flooding invalid messages: its neighbours score it below the
 * graylist threshold, drop it from their meshes and ignore its RPCs, while
 * every honest message still reaches every honest node.
 */
import { type Message, TopicValidatorResult } from '@weft/pubsub'
import { TestNetwork } from '@weft/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS, type GossipSub, gossipsub } from '../src/index.js'

const TOPIC = 'attack'
const INVALID = 0xff

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('gossipsub under an invalid-message flood', () => {
  let net: TestNetwork<GossipSub>
  afterEach(async () => {
    await net?.stop()
  })

  it('graylists and cuts off the attacker; honest delivery stays at 100 %', async () => {
    net = new TestNetwork()
    const honest = await Promise.all(
      Array.from({ length: 8 }, () => net.addNode(gossipsub({ heartbeatTimer: false }))),
    )
    const attacker = await net.addNode(gossipsub({ heartbeatTimer: false }))
    // a ring of honest nodes with two chords; the attacker links to four of them
    for (let i = 0; i < honest.length; i++) net.connect(honest[i], honest[(i + 1) % honest.length])
    net.connect(honest[0], honest[4])
    net.connect(honest[2], honest[6])
    const victims = [honest[0], honest[2], honest[4], honest[6]]
    for (const victim of victims) net.connect(attacker, victim)

    const delivered = honest.map(() => new Set<string>())
    honest.forEach((node, i) => {
      node.service.topicValidators.set(TOPIC, (_peer, message) =>
        message.data[0] === INVALID ? TopicValidatorResult.Reject : TopicValidatorResult.Accept,
      )
      node.service.addEventListener('message', (evt: CustomEvent<Message>) => {
        delivered[i].add(new TextDecoder().decode(evt.detail.data))
      })
      node.service.subscribe(TOPIC)
    })
    attacker.service.subscribe(TOPIC)
    await until(() => victims.every((v) => v.service.getSubscribers(TOPIC).length >= 3))
    for (const node of [...honest, attacker]) node.service.heartbeat()
    await until(() => victims.some((v) => v.service.getMeshPeers(TOPIC).includes(attacker.peerId.toString())))

    // the flood: 200 messages every honest validator rejects
    for (let i = 0; i < 200; i++)
      await attacker.service.publish(TOPIC, Uint8Array.of(INVALID, i & 0xff, i >> 8))
    const attackerKey = attacker.peerId.toString()
    await until(() =>
      victims.every((v) => v.service.getScore(attackerKey) < DEFAULT_THRESHOLDS.graylistThreshold),
    )
    for (const node of honest) node.service.heartbeat()

    // cut off: out of every mesh, and its RPCs are ignored from now on
    for (const victim of victims) {
      expect(victim.service.getMeshPeers(TOPIC)).not.toContain(attackerKey)
      expect(victim.service.counters.rejected).toBeGreaterThan(0)
    }
    const ignoredBefore = victims.reduce((sum, v) => sum + v.service.counters.graylistedRpcs, 0)
    await attacker.service.publish(TOPIC, new TextEncoder().encode('from the attacker'))
    await until(
      () =>
        victims.reduce((sum, v) => sum + v.service.counters.graylistedRpcs, 0) >=
        ignoredBefore + victims.length,
    )
    expect(delivered.some((set) => set.has('from the attacker'))).toBe(false)

    // honest traffic: every honest node publishes, everyone else receives it all
    const bodies: string[] = []
    for (let round = 0; round < 3; round++) {
      for (const [i, node] of honest.entries()) {
        const body = `honest-${i}-${round}`
        bodies.push(body)
        await node.service.publish(TOPIC, new TextEncoder().encode(body))
      }
      for (const node of honest) node.service.heartbeat()
    }
    await until(() =>
      honest.every((_, i) =>
        bodies.every((body) => body.startsWith(`honest-${i}-`) || delivered[i].has(body)),
      ),
    )
    for (const [i] of honest.entries()) {
      const missing = bodies.filter((body) => !body.startsWith(`honest-${i}-`) && !delivered[i].has(body))
      expect(missing).toEqual([])
    }
  })
})
