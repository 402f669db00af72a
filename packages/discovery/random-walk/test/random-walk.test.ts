/**
 * The random walk against a fake peer routing on fake timers: when walks
 * run, what reaches the peer store and the discovery events, the backoff,
 * the bounds, and that stop clears the timer and aborts the lookup.
 */
import type { Connection, PeerId, PeerInfo, RoutingOptions } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { defaultLogger } from '@weft/utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  NoPeerRoutingError,
  nextDelay,
  RandomWalk,
  type RandomWalkComponents,
  type RandomWalkInit,
  resolveConfig,
  type WalkRouting,
} from '../src/index.js'
import { randomPeerId } from '../src/walk.js'

const self = randomPeerId()

function peer(): PeerInfo {
  const id = randomPeerId()
  return { id, multiaddrs: [multiaddr(`/memory/${id.toString()}`)] }
}

/** A peer routing whose lookups return `peers` (or hang until aborted, with `hang`). */
class FakeRouting {
  peers: PeerInfo[] = []
  hang = false
  /** a lookup that ignores its signal */
  deaf = false
  readonly keys: Uint8Array[] = []
  readonly signals: AbortSignal[] = []

  async *getClosestPeers(key: Uint8Array, options: RoutingOptions = {}): AsyncIterable<PeerInfo> {
    this.keys.push(key)
    this.signals.push(options.signal!)
    if (this.deaf) await new Promise(() => {})
    if (this.hang) {
      await new Promise<void>((_, reject) =>
        options.signal!.addEventListener('abort', () => reject(options.signal!.reason)),
      )
    }
    yield* this.peers
  }
}

interface Harness {
  walk: RandomWalk
  routing: FakeRouting
  merged: Array<{ id: PeerId; multiaddrs: string[] }>
  discovered: PeerInfo[]
  connections: Connection[]
}

function harness(init: RandomWalkInit = {}, routing: WalkRouting = new FakeRouting()): Harness {
  const merged: Harness['merged'] = []
  const discovered: PeerInfo[] = []
  const connections: Connection[] = []
  const components: RandomWalkComponents = {
    peerId: self,
    logger: defaultLogger(),
    peerStore: {
      merge: async (id, data) => {
        merged.push({ id, multiaddrs: (data.multiaddrs ?? []).map(String) })
        return {} as never
      },
    },
    connectionManager: { getConnections: () => connections },
    peerRouting: routing,
  }
  const walk = new RandomWalk(components, init)
  walk.addEventListener('peer', (evt) => discovered.push(evt.detail))
  return { walk, routing: routing as FakeRouting, merged, discovered, connections }
}

describe('random walk', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('walks after firstDelay and then every interval, feeding the peer store and discovery', async () => {
    const { walk, routing, merged, discovered } = harness({ firstDelay: 100, interval: 1_000 })
    const found = [peer(), peer()]
    routing.peers = found
    walk.start()
    await vi.advanceTimersByTimeAsync(99)
    expect(routing.keys).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(routing.keys).toHaveLength(1)
    expect(merged.map((entry) => entry.id.toString())).toEqual(found.map((p) => p.id.toString()))
    expect(merged[0]!.multiaddrs).toEqual([found[0]!.multiaddrs[0]!.toString()])
    expect(discovered.map((p) => p.id.toString())).toEqual(found.map((p) => p.id.toString()))
    await vi.advanceTimersByTimeAsync(999)
    expect(routing.keys).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(routing.keys).toHaveLength(2)
    // each walk looks up a new random key
    expect(routing.keys[0]).not.toEqual(routing.keys[1])
    await walk.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('leaves out itself, peers without addresses and duplicates, and takes at most maxPeersPerWalk', async () => {
    const { walk, routing, discovered } = harness({ firstDelay: 0, maxPeersPerWalk: 3 })
    const good = [peer(), peer(), peer(), peer()]
    routing.peers = [
      { id: self, multiaddrs: [multiaddr('/memory/self')] },
      { id: randomPeerId(), multiaddrs: [] },
      good[0]!,
      good[0]!,
      ...good.slice(1),
    ]
    walk.start()
    const peers = await walk.walk()
    expect(peers.map((p) => p.id.toString())).toEqual(good.slice(0, 3).map((p) => p.id.toString()))
    expect(discovered).toHaveLength(3)
    await walk.stop()
  })

  it('backs off while the routing finds nobody, doubling up to maxRetryDelay, and returns to interval', async () => {
    const { walk, routing } = harness({
      firstDelay: 0,
      interval: 10_000,
      retryDelay: 100,
      maxRetryDelay: 400,
    })
    walk.start()
    const times: number[] = []
    const start = Date.now()
    const at = (): void => {
      times.push(Date.now() - start)
    }
    // record when each lookup runs
    const getClosestPeers = routing.getClosestPeers.bind(routing)
    routing.getClosestPeers = (key, options) => {
      at()
      return getClosestPeers(key, options)
    }
    await vi.advanceTimersByTimeAsync(0 + 100 + 200 + 400 + 400)
    expect(times).toEqual([0, 100, 300, 700, 1_100])
    routing.peers = [peer()]
    await vi.advanceTimersByTimeAsync(400)
    expect(times).toHaveLength(6)
    // it found a peer: the next walk waits the whole interval
    await vi.advanceTimersByTimeAsync(9_999)
    expect(times).toHaveLength(6)
    await vi.advanceTimersByTimeAsync(1)
    expect(times).toHaveLength(7)
    await walk.stop()
  })

  it('aborts the lookup under way on stop, and leaves no timer', async () => {
    const { walk, routing, discovered } = harness({ firstDelay: 0 })
    routing.hang = true
    routing.peers = [peer()]
    walk.start()
    const pending = walk.walk()
    const outcome = pending.then(
      () => 'resolved',
      (err: Error) => err.name,
    )
    await vi.advanceTimersByTimeAsync(0)
    expect(routing.signals).toHaveLength(1)
    expect(routing.signals[0]!.aborted).toBe(false)
    await walk.stop()
    expect(routing.signals[0]!.aborted).toBe(true)
    expect(await outcome).toBe('RandomWalkStoppedError')
    expect(discovered).toHaveLength(0)
    expect(vi.getTimerCount()).toBe(0)
    expect(walk.isStarted()).toBe(false)
  })

  it('stops promptly even when the routing ignores the abort', async () => {
    const { walk, routing } = harness({ firstDelay: 0 })
    routing.deaf = true
    walk.start()
    const outcome = walk.walk().catch((err: Error) => err.name)
    await vi.advanceTimersByTimeAsync(0)
    await walk.stop()
    expect(await outcome).toBe('RandomWalkStoppedError')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('aborts a lookup after lookupTimeout and backs off', async () => {
    const { walk, routing } = harness({
      firstDelay: 0,
      lookupTimeout: 500,
      retryDelay: 1_000,
      interval: 60_000,
    })
    routing.hang = true
    walk.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(routing.signals).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(500)
    expect(routing.signals[0]!.aborted).toBe(true)
    expect((routing.signals[0]!.reason as Error).name).toBe('TimeoutError')
    // the next walk comes after the backoff, not the interval
    await vi.advanceTimersByTimeAsync(1_000)
    expect(routing.signals).toHaveLength(2)
    await walk.stop()
  })

  it('pauses while the host has pauseAtConnections connections', async () => {
    const { walk, routing, connections } = harness({ firstDelay: 0, interval: 1_000, pauseAtConnections: 2 })
    connections.push({} as Connection, {} as Connection)
    walk.start()
    await vi.advanceTimersByTimeAsync(3_000)
    expect(routing.keys).toHaveLength(0)
    connections.pop()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(routing.keys).toHaveLength(1)
    await walk.stop()
  })

  it('falls back to findPeer of a random peer id, where not finding it is no failure', async () => {
    const asked: PeerId[] = []
    const routing: WalkRouting = {
      findPeer: async (id) => {
        asked.push(id)
        throw Object.assign(new Error('nobody has it'), { name: 'NotFoundError' })
      },
    }
    const { walk } = harness({ firstDelay: 0, interval: 1_000, retryDelay: 100 }, routing)
    walk.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(asked).toHaveLength(1)
    expect(asked[0]!.equals(self)).toBe(false)
    // no backoff: the next walk waits the interval
    await vi.advanceTimersByTimeAsync(999)
    expect(asked).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(asked).toHaveLength(2)
    expect(asked[0]!.equals(asked[1]!)).toBe(false)
    await walk.stop()
  })

  it('refuses to start without peer routing, and to walk when stopped', async () => {
    const { walk } = harness({}, undefined as never)
    const bare = new RandomWalk({
      peerId: self,
      logger: defaultLogger(),
      peerStore: { merge: async () => ({}) as never },
      connectionManager: { getConnections: () => [] },
    })
    expect(() => bare.start()).toThrow(NoPeerRoutingError)
    expect(bare.isStarted()).toBe(false)
    await expect(walk.walk()).rejects.toThrow(expect.objectContaining({ name: 'RandomWalkStoppedError' }))
  })
})

describe('random walk options', () => {
  it('has defaults and names a bad option', () => {
    expect(resolveConfig()).toEqual({
      interval: 60_000,
      firstDelay: 1_000,
      lookupTimeout: 10_000,
      maxPeersPerWalk: 20,
      pauseAtConnections: Number.POSITIVE_INFINITY,
      retryDelay: 2_000,
      maxRetryDelay: 300_000,
    })
    expect(() => resolveConfig({ interval: 0 })).toThrow('interval must be a positive finite number, got 0')
    expect(() => resolveConfig({ firstDelay: -1 })).toThrow('firstDelay must be a non-negative finite number')
    expect(resolveConfig({ firstDelay: 0 }).firstDelay).toBe(0)
    expect(() => resolveConfig({ lookupTimeout: Number.NaN })).toThrow(RangeError)
    expect(() => resolveConfig({ interval: 2 ** 31 })).toThrow('interval must be at most 2147483647 ms')
    expect(() => resolveConfig({ maxPeersPerWalk: 0 })).toThrow(
      'maxPeersPerWalk must be an integer from 1 to 1000',
    )
    expect(() => resolveConfig({ maxPeersPerWalk: 1001 })).toThrow(RangeError)
    expect(() => resolveConfig({ pauseAtConnections: 0 })).toThrow(
      'pauseAtConnections must be an integer from 1',
    )
    expect(() => resolveConfig({ retryDelay: 500, maxRetryDelay: 100 })).toThrow(
      'maxRetryDelay (100 ms) must be at least retryDelay (500 ms)',
    )
    expect(() => new RandomWalk({} as RandomWalkComponents, { interval: -1 })).toThrow(RangeError)
  })

  it('computes the delay before the next walk', () => {
    const config = resolveConfig({ interval: 5_000, retryDelay: 100, maxRetryDelay: 1_000 })
    expect([0, 1, 2, 3, 4, 5, 100].map((failures) => nextDelay(config, failures))).toEqual([
      5_000, 100, 200, 400, 800, 1_000, 1_000,
    ])
  })
})
