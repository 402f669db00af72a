import { describe, expect, it } from 'vitest'
import { createNetwork, SIMULATION_PLAINTEXT, Testnet } from '../src/index.js'

/** A seeded generator (mulberry32) so peer choices repeat. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('testnet', { timeout: 120_000 }, () => {
  it('starts hosts on the memory transport, connected to random peers, and stops them all', async () => {
    const net = await createNetwork({ size: 12, connectTo: 2, random: seeded(1) })
    try {
      expect(net.hosts).toHaveLength(12)
      expect(new Set(net.hosts.map((host) => host.peerId.toString())).size).toBe(12)
      for (const host of net.hosts) {
        expect(host.status).toBe('started')
        expect(host.getMultiaddrs()[0]!.toString()).toMatch(/^\/memory\/testnet-\d+-\d+\/p2p\//)
        expect(host.getConnections().length).toBeGreaterThanOrEqual(2)
      }
      const connection = net.hosts[0]!.getConnections()[0]!
      expect(connection.encryption).toBe('/noise')
    } finally {
      await net.stop()
    }
    expect(net.hosts).toHaveLength(0)
  })

  it('uses the simulation encrypter when asked, and runs the services given', async () => {
    const started: number[] = []
    const net = await createNetwork({
      size: 4,
      encryption: 'plaintext',
      connectTo: 1,
      services: (index) => ({
        marker: () => {
          started.push(index)
          return { index }
        },
      }),
    })
    try {
      expect(started.sort()).toEqual([0, 1, 2, 3])
      expect(net.hosts[2]!.services.marker).toEqual({ index: 2 })
      const connection = net.hosts[0]!.getConnections()[0]!
      expect(connection.encryption).toBe(SIMULATION_PLAINTEXT)
      // the remote peer id crossed the exchange intact
      const remote = net.hosts.find((host) => host.peerId.equals(connection.remotePeer))
      expect(remote).toBeDefined()
    } finally {
      await net.stop()
    }
  })

  it('churns a fraction of the hosts, replacing them or not', async () => {
    const net = await createNetwork({ size: 10, encryption: 'plaintext', random: seeded(2) })
    try {
      const before = new Set(net.hosts.map((host) => host.peerId.toString()))
      const { stopped, added } = await net.churn(0.2)
      expect(stopped).toHaveLength(2)
      expect(added).toHaveLength(2)
      for (const host of stopped) expect(host.status).toBe('stopped')
      expect(net.hosts).toHaveLength(10)
      const after = net.hosts.map((host) => host.peerId.toString())
      expect(after.filter((id) => !before.has(id))).toHaveLength(2)
      for (const host of added) expect(host.getConnections().length).toBeGreaterThan(0)
      const shrink = await net.churn(0.5, { replace: false })
      expect(shrink.added).toHaveLength(0)
      expect(net.hosts).toHaveLength(5)
      await expect(net.churn(2)).rejects.toThrow(RangeError)
    } finally {
      await net.stop()
    }
  })

  it('refuses a size out of range', () => {
    expect(() => new Testnet({ size: 0 })).toThrow(RangeError)
    expect(() => new Testnet({ size: 10_001 })).toThrow(RangeError)
  })

  it('keeps two testnets apart', async () => {
    const a = await createNetwork({ size: 2, encryption: 'plaintext', connectTo: 1 })
    const b = await createNetwork({ size: 2, encryption: 'plaintext', connectTo: 1 })
    try {
      await expect(
        a.hosts[0]!.dial(b.hosts[0]!.getMultiaddrs(), { signal: AbortSignal.timeout(5_000) }),
      ).rejects.toThrow()
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })
})
