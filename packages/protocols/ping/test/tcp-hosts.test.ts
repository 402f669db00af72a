/** Two weft hosts ping each other over TCP on loopback (noise, yamux). */
import { createHost } from '@weft/host'
import { noise } from '@weft/noise'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { type PingService, ping } from '../src/index.js'

const hosts: Array<{ stop(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

async function host(init: Parameters<typeof ping>[0] = {}) {
  const created = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { ping: ping(init) },
  })
  hosts.push(created)
  return created as typeof created & { services: { ping: PingService } }
}

describe('ping between two hosts over TCP', () => {
  it('pings by multiaddr (dialing first), then by peer id on the open connection', async () => {
    const a = await host()
    const b = await host()
    const rtt = await a.services.ping.ping(b.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5_000) })
    expect(rtt).toBeGreaterThan(0)
    expect(rtt).toBeLessThan(1_000)
    expect(a.getConnections(b.peerId)).toHaveLength(1)
    for (let i = 0; i < 5; i++) expect(await a.services.ping.ping(b.peerId)).toBeLessThan(1_000)
    // and the other way round, over the same connection
    expect(await b.services.ping.ping(a.peerId)).toBeGreaterThan(0)
    expect(b.getConnections(a.peerId)).toHaveLength(1)
  })

  it('runs concurrent pings from both sides', async () => {
    const a = await host()
    const b = await host()
    await a.dial(b.getMultiaddrs()[0]!)
    // b registers the inbound connection a moment after a's dial resolves
    for (let i = 0; i < 100 && b.getConnections(a.peerId).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const rtts = await Promise.all([
      a.services.ping.ping(b.peerId),
      b.services.ping.ping(a.peerId),
      a.services.ping.ping(b.peerId).catch((err: Error) => err.name),
    ])
    // a third concurrent ping from a may be refused by the one-outbound-stream limit; never hangs
    expect(typeof rtts[0]).toBe('number')
    expect(typeof rtts[1]).toBe('number')
  })

  it('pings back to back when the remote closes its end of each ping stream late', async () => {
    // the dialer may keep one outbound ping stream; the previous one must be over
    // (both ends closed) before ping() resolves, or the next ping exceeds the limit
    const a = await host()
    const b = await host({ protocolPrefix: 'unused' })
    await b.handle(
      '/ipfs/ping/1.0.0',
      (stream) => {
        stream.addEventListener('message', (evt) => stream.send(evt.data))
        stream.addEventListener('remoteCloseWrite', () => setTimeout(() => void stream.close(), 50))
      },
      { maxInboundStreams: 4 },
    )
    const rtts: number[] = []
    for (let i = 0; i < 3; i++) {
      rtts.push(await a.services.ping.ping(b.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5_000) }))
    }
    expect(rtts.every((rtt) => rtt >= 0 && rtt < 1_000)).toBe(true)
  })

  it('fails fast against a peer that does not speak ping', async () => {
    const a = await host()
    const b = await host({ protocolPrefix: 'other' })
    await expect(a.services.ping.ping(b.getMultiaddrs()[0]!)).rejects.toMatchObject({
      name: 'UnsupportedProtocolError',
    })
  })
})
