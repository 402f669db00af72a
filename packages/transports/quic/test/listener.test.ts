/**
 * The listener's addresses: a wildcard bind is reported as the interface
 * addresses a peer can dial (never `0.0.0.0`), and a closed listener reports
 * none, so a host that asks for them while stopping does not touch the
 * closed socket.
 */
import { createHost } from '@weft/host'
import { ping } from '@weft/ping'
import { describe, expect, it } from 'vitest'
import { quic } from '../src/index.js'

describe('QuicListener addresses', () => {
  it('reports interface addresses for 0.0.0.0, is dialable on one, and stops cleanly', async () => {
    const listener = await createHost({
      addresses: { listen: ['/ip4/0.0.0.0/udp/0/quic-v1'] },
      transports: [quic()],
      services: { ping: ping() },
    })
    const dialer = await createHost({
      addresses: { listen: ['/ip4/127.0.0.1/udp/0/quic-v1'] },
      transports: [quic()],
      services: { ping: ping() },
    })
    try {
      const addrs = listener.getMultiaddrs().map(String)
      expect(addrs.some((addr) => addr.includes('/ip4/0.0.0.0/'))).toBe(false)
      const loopback = addrs.find((addr) => addr.startsWith('/ip4/127.0.0.1/udp/'))
      expect(loopback, addrs.join(' ')).toBeDefined()
      // every reported address has the bound port
      expect(new Set(addrs.map((addr) => addr.split('/')[4])).size).toBe(1)
      await dialer.peerStore.merge(listener.peerId, { multiaddrs: listener.getMultiaddrs() })
      expect(
        await dialer.services.ping.ping(listener.peerId, { signal: AbortSignal.timeout(5_000) }),
      ).toBeGreaterThanOrEqual(0)
    } finally {
      await dialer.stop()
      // the host asks its transports for addresses while stopping: no throw
      await listener.stop()
    }
    expect(listener.getMultiaddrs()).toEqual([])
  })
})
