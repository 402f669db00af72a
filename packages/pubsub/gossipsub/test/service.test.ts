/**
 * The GossipSub service shell: the heartbeat runs on a timer (driven here by
 * vitest's fake timers, no sleeps), stop() clears it, and the service
 * registers and unregisters its four protocols.
 */
import { TestNetwork } from '@weft/testkit'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FLOODSUB,
  GOSSIPSUB_V10,
  GOSSIPSUB_V11,
  GOSSIPSUB_V12,
  type GossipSub,
  gossipsub,
} from '../src/index.js'

describe('GossipSub service', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('beats every heartbeatInterval after the initial delay, and stop() clears the timers', async () => {
    vi.useFakeTimers()
    const net = new TestNetwork<GossipSub>()
    const node = await net.addNode(gossipsub({ heartbeatInterval: 1000, heartbeatInitialDelay: 100 }))
    let beats = 0
    node.service.addEventListener('gossipsub:heartbeat', () => beats++)
    await vi.advanceTimersByTimeAsync(99)
    expect(beats).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(beats).toBe(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(beats).toBe(6)
    expect(node.service.router.ticks).toBe(6)
    await node.service.stop()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(5000)
    expect(beats).toBe(6)
    await net.stop()
  })

  it('registers the gossipsub protocols and the floodsub fallback, and removes them on stop', async () => {
    const net = new TestNetwork<GossipSub>()
    const node = await net.addNode(gossipsub({ heartbeatTimer: false }))
    expect([...node.handlers.keys()]).toEqual([GOSSIPSUB_V12, GOSSIPSUB_V11, GOSSIPSUB_V10, FLOODSUB])
    expect(node.topologies.size).toBe(4)
    await node.service.stop()
    expect(node.handlers.size).toBe(0)
    expect(node.topologies.size).toBe(0)
    const noFallback = await net.addNode(gossipsub({ heartbeatTimer: false, fallbackToFloodsub: false }))
    expect([...noFallback.handlers.keys()]).not.toContain(FLOODSUB)
    await net.stop()
  })

  it('emits graft events and a mesh that follows heartbeats with an injected clock', async () => {
    let now = 0
    const net = new TestNetwork<GossipSub>()
    const nodes = await Promise.all(
      [0, 1, 2].map(() => net.addNode(gossipsub({ heartbeatTimer: false, now: () => now }))),
    )
    const grafts: string[] = []
    nodes[0].service.addEventListener('gossipsub:graft', (evt) => grafts.push(evt.detail.peerId))
    net.connect(nodes[0], nodes[1])
    net.connect(nodes[0], nodes[2])
    for (const n of nodes) n.service.subscribe('t')
    const end = Date.now() + 20_000
    while (nodes[0].service.getSubscribers('t').length < 2 && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    now += 1000
    nodes[0].service.heartbeat()
    expect(nodes[0].service.getMeshPeers('t').sort()).toEqual(
      [nodes[1].peerId.toString(), nodes[2].peerId.toString()].sort(),
    )
    expect(grafts.sort()).toEqual([nodes[1].peerId.toString(), nodes[2].peerId.toString()].sort())
    // P1 grows with the injected clock
    now += 10_000
    expect(nodes[0].service.getScore(nodes[1].peerId.toString())).toBeGreaterThan(0)
    await net.stop()
  })
})
