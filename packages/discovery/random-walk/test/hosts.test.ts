/**
 * Eight hosts on the memory transport with kad-dht (routing-table refresh
 * off) in a chain: each dials only its successor, so at the start a host
 * knows its neighbours and nobody else. With the random walk, every host's
 * peer store learns peers beyond its neighbours, announced as
 * `peer:discovery`, within a bounded time.
 */
import type { PeerInfo } from '@libp2p/interface'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { kadDHT } from '@weft/kad-dht'
import { memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { yamux } from '@weft/yamux'
import { afterAll, describe, expect, it } from 'vitest'
import { type RandomWalk, randomWalk } from '../src/index.js'

const SIZE = 8
const DEADLINE = 15_000

async function knownPeers(host: Host): Promise<Set<string>> {
  return new Set((await host.peerStore.all()).map((peer) => peer.id.toString()))
}

describe('random walk on a chain of kad-dht hosts', () => {
  const hosts: Host[] = []
  const discovered = new Map<string, Set<string>>()

  afterAll(async () => {
    await Promise.all(hosts.map(async (host) => host.stop()))
  })

  it('teaches every host peers beyond its neighbours', async () => {
    for (let i = 0; i < SIZE; i++) {
      const host = await createHost({
        addresses: { listen: [`/memory/random-walk-${process.pid}-${i}`] },
        transports: [memory()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()],
        // no auto-dialing: only the walk may teach a host about other peers
        connectionManager: { minConnections: 0 },
        services: {
          identify: identify(),
          dht: kadDHT({ clientMode: false, refreshInterval: 0, requestTimeout: 3_000 }),
          randomWalk: randomWalk({
            firstDelay: 0,
            interval: 300,
            retryDelay: 100,
            maxRetryDelay: 400,
            lookupTimeout: 5_000,
          }),
        },
      })
      hosts.push(host)
      const seen = new Set<string>()
      discovered.set(host.peerId.toString(), seen)
      host.addEventListener('peer:discovery', (evt: CustomEvent<PeerInfo>) => {
        seen.add(evt.detail.id.toString())
      })
    }
    for (let i = 0; i + 1 < SIZE; i++) await hosts[i]!.dial(hosts[i + 1]!.getMultiaddrs())

    const others = (i: number): string[] =>
      hosts.filter((_, j) => j !== i).map((host) => host.peerId.toString())
    const missing = async (i: number): Promise<string[]> => {
      const known = await knownPeers(hosts[i]!)
      return others(i).filter((id) => !known.has(id))
    }

    const deadline = Date.now() + DEADLINE
    let unknown: string[][] = []
    while (Date.now() < deadline) {
      unknown = await Promise.all(hosts.map(async (_, i) => missing(i)))
      if (unknown.every((ids) => ids.length === 0)) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // every host's peer store holds every other host, neighbours or not
    expect(unknown).toEqual(hosts.map(() => []))

    // the walk announced them: an end of the chain, which dialed one peer, heard of the far end
    const first = discovered.get(hosts[0]!.peerId.toString())!
    const farEnd = hosts[SIZE - 1]!.peerId.toString()
    const heard = await (async () => {
      const until = Date.now() + DEADLINE
      while (Date.now() < until && !first.has(farEnd))
        await new Promise((resolve) => setTimeout(resolve, 100))
      return first.has(farEnd)
    })()
    expect(heard).toBe(true)
    expect(first.has(hosts[0]!.peerId.toString())).toBe(false)
  })

  it('stops every walk with the host', async () => {
    await Promise.all(hosts.map(async (host) => host.stop()))
    for (const host of hosts) {
      const walk = (host.services as { randomWalk: RandomWalk }).randomWalk
      expect(walk.isStarted()).toBe(false)
      await expect(walk.walk()).rejects.toThrow(expect.objectContaining({ name: 'RandomWalkStoppedError' }))
    }
  })
})
