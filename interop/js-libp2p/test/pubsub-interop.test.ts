/**
 * weft's gossipsub and floodsub in one network with js-libp2p's
 * (@libp2p/gossipsub 17, @libp2p/floodsub 11) over TCP on loopback: both
 * stacks publish, every message reaches every node, and gossipsub meshes
 * span the two stacks. (go-libp2p-pubsub is not in this harness yet.)
 */
import { afterEach, describe, expect, it } from 'vitest'
import { jsPubSubNode, type PubSubNode, type Router, waitUntil, weftPubSubNode } from './pubsub-nodes.js'

const TOPIC = 'interop'

describe.each(['gossipsub', 'floodsub'] as const)('%s: weft ⇄ js-libp2p', (router: Router) => {
  const nodes: PubSubNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })

  it('delivers every message both ways in a mixed network', async () => {
    const wefts = await Promise.all([0, 1, 2].map(() => weftPubSubNode(router)))
    const jss = await Promise.all([0, 1, 2].map(() => jsPubSubNode(router)))
    nodes.push(...wefts, ...jss)
    // a ring that alternates the stacks, plus two chords
    const ring = [wefts[0], jss[0], wefts[1], jss[1], wefts[2], jss[2]]
    const links: Array<[PubSubNode, PubSubNode]> = [
      ...ring.map((node, i): [PubSubNode, PubSubNode] => [node, ring[(i + 1) % ring.length]]),
      [wefts[0], jss[1]],
      [jss[0], wefts[2]],
    ]
    for (const [from, to] of links) await from.dial(to.getMultiaddrs()[0])
    const neighbours = (node: PubSubNode): number => links.filter((link) => link.includes(node)).length

    const received = new Map<PubSubNode, Set<string>>()
    for (const node of ring) {
      const got = new Set<string>()
      received.set(node, got)
      node.services.pubsub.addEventListener('message', (evt) => {
        const detail = (evt as CustomEvent<{ topic: string; data: Uint8Array }>).detail
        if (detail.topic === TOPIC) got.add(new TextDecoder().decode(detail.data))
      })
      node.services.pubsub.subscribe(TOPIC)
    }
    // everyone knows all its neighbours' subscriptions (floodsub sends only to
    // those: a node that still missed one would never hear that neighbour's first messages)
    await waitUntil(
      () => ring.every((node) => node.services.pubsub.getSubscribers(TOPIC).length >= neighbours(node)),
      20_000,
      'subscriptions',
    )
    if (router === 'gossipsub') {
      // meshes form across the two stacks
      await waitUntil(
        () =>
          wefts.every((w) =>
            (w.services.pubsub.getMeshPeers?.(TOPIC) ?? []).some((id) =>
              jss.some((j) => j.peerId.toString() === id),
            ),
          ) &&
          jss.every((j) =>
            (j.services.pubsub.getMeshPeers?.(TOPIC) ?? []).some((id) =>
              wefts.some((w) => w.peerId.toString() === id),
            ),
          ),
        20_000,
        'cross-stack meshes',
      )
    }

    // 5 rounds in which every node publishes once: 15 messages from each stack
    const expected: Array<{ body: string; publisher: number }> = []
    for (let round = 0; round < 5; round++) {
      for (const [index, node] of ring.entries()) {
        const body = `${wefts.includes(node) ? 'weft' : 'js'}-${index}-${round}`
        expected.push({ body, publisher: index })
        await node.services.pubsub.publish(TOPIC, new TextEncoder().encode(body))
      }
    }
    const missingAt = (index: number): string[] =>
      expected
        .filter((e) => e.publisher !== index && !received.get(ring[index])!.has(e.body))
        .map((e) => e.body)
    await waitUntil(() => ring.every((_, index) => missingAt(index).length === 0), 20_000, 'delivery').catch(
      () => {},
    )
    // on a miss, say where and what that node counted (weft's counters; js has none)
    const about = (index: number): string =>
      `missing at ring node ${index}: ${JSON.stringify((ring[index].services.pubsub as { counters?: unknown }).counters ?? {})}, subscribers ${ring[index].services.pubsub.getSubscribers(TOPIC).length}`
    for (const index of ring.keys()) expect(missingAt(index), about(index)).toEqual([])
    expect(expected.filter((e) => e.body.startsWith('weft')).length).toBe(15)
    expect(expected.filter((e) => e.body.startsWith('js')).length).toBe(15)
  })
})

describe('mixed routers: gossipsub falls back to floodsub', () => {
  const nodes: PubSubNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })

  it.each([
    ['weft gossipsub', 'js floodsub'],
    ['js gossipsub', 'weft floodsub'],
  ] as const)('%s ⇄ %s deliver both ways', async (gossip, flood) => {
    const makeGossip = gossip.startsWith('weft') ? weftPubSubNode : jsPubSubNode
    const makeFlood = flood.startsWith('weft') ? weftPubSubNode : jsPubSubNode
    const line = [await makeGossip('gossipsub'), await makeFlood('floodsub'), await makeGossip('gossipsub')]
    nodes.push(...line)
    await line[0].dial(line[1].getMultiaddrs()[0])
    await line[1].dial(line[2].getMultiaddrs()[0])
    const got = line.map(() => new Set<string>())
    line.forEach((node, i) => {
      node.services.pubsub.addEventListener('message', (evt) => {
        got[i].add(new TextDecoder().decode((evt as CustomEvent<{ data: Uint8Array }>).detail.data))
      })
      node.services.pubsub.subscribe(TOPIC)
    })
    await waitUntil(
      () =>
        line[1].services.pubsub.getSubscribers(TOPIC).length === 2 &&
        line.every((n) => n.services.pubsub.getSubscribers(TOPIC).length >= 1),
      20_000,
      'subscriptions',
    )
    for (const [i, node] of line.entries())
      await node.services.pubsub.publish(TOPIC, new TextEncoder().encode(`from-${i}`))
    const complete = (): boolean =>
      line.every((_, i) => [0, 1, 2].every((j) => j === i || got[i].has(`from-${j}`)))
    await waitUntil(complete, 20_000, 'delivery').catch(() => {})
    for (const [i] of line.entries()) {
      expect([...got[i]].sort()).toEqual([0, 1, 2].filter((j) => j !== i).map((j) => `from-${j}`))
    }
  })
})
