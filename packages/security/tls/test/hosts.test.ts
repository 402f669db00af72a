/** Two weft hosts over TCP on loopback secured by TLS: ping and identify with yamux and mplex. */
import type { IdentifyResult, PeerId } from '@libp2p/interface'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { mplex } from '@weft/mplex'
import { type PingService, ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterEach, describe, expect, it } from 'vitest'
import { tls } from '../src/index.js'

const hosts: Array<{ stop(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
})

type Muxer = typeof yamux | typeof mplex

async function host(muxers: Muxer[]) {
  const created = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [tls()],
    streamMuxers: muxers.map((muxer) => muxer()),
    services: { identify: identify(), ping: ping() },
  })
  hosts.push(created)
  return created as typeof created & { services: { ping: PingService } }
}

function identified(node: Awaited<ReturnType<typeof host>>, peer: PeerId): Promise<IdentifyResult> {
  return new Promise((resolve) => {
    const listener = (evt: CustomEvent<IdentifyResult>): void => {
      if (!evt.detail.peerId.equals(peer)) return
      node.removeEventListener('peer:identify', listener)
      resolve(evt.detail)
    }
    node.addEventListener('peer:identify', listener)
  })
}

describe('two hosts over TCP with TLS', () => {
  it.each([
    ['yamux', [yamux], [yamux], '/yamux/1.0.0'],
    ['mplex', [mplex], [mplex], '/mplex/6.7.0'],
    // no muxer in common with the first choice: the server takes the client's second
    ['yamux then mplex against mplex', [yamux, mplex], [mplex], '/mplex/6.7.0'],
  ] as Array<[string, Muxer[], Muxer[], string]>)(
    '%s: ping and identify',
    async (_name, dialerMuxers, listenerMuxers, expected) => {
      const a = await host(dialerMuxers)
      const b = await host(listenerMuxers)
      const aKnowsB = identified(a, b.peerId)
      const connection = await a.dial(b.getMultiaddrs()[0]!)
      expect(connection.encryption).toBe('/tls/1.0.0')
      expect(connection.multiplexer).toBe(expected)
      expect(connection.remotePeer.equals(b.peerId)).toBe(true)
      const rtt = await a.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(5_000) })
      expect(rtt).toBeGreaterThanOrEqual(0)
      const result = await aKnowsB
      expect(result.protocols).toEqual(expect.arrayContaining(['/ipfs/ping/1.0.0', '/ipfs/id/1.0.0']))
      expect(b.getConnections(a.peerId)[0]?.encryption).toBe('/tls/1.0.0')
    },
  )

  it('a dial that expects another peer id fails with UnexpectedPeerError', async () => {
    const a = await host([yamux])
    const b = await host([yamux])
    const c = await host([yamux])
    const wrong = b.getMultiaddrs()[0]!.decapsulateCode(421).encapsulate(`/p2p/${c.peerId.toString()}`)
    const err = await a.dial(wrong).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err).toBeDefined()
    // the dialer may wrap the cause in an AggregateError of its attempts
    const names = [
      err?.name,
      ...((err as AggregateError | undefined)?.errors ?? []).map((e: Error) => e.name),
    ]
    expect(names).toContain('UnexpectedPeerError')
    expect(a.getConnections(c.peerId)).toHaveLength(0)
  })
})
