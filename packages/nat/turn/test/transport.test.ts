/**
 * The last-resort path on loopback: a host whose only transport is
 * `turnTransport` dials a plain TCP host through coturn's RFC 6062 TCP
 * allocation and runs ping, identify and a 4 MiB echo over Noise + yamux.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peerOf, type TurnTransport, turnTransport } from '../src/index.js'
import { COTURN_NOT_RUN, type Coturn, startCoturn } from './coturn.js'
import { ECHO, echo, echoThrough } from './echo.js'

const TURN_WINDOW = 256 * 1024

describe('peerOf', () => {
  it('reads ip4 and ip6 TCP multiaddrs and nothing else', () => {
    expect(
      peerOf(
        multiaddr('/ip4/198.51.100.9/tcp/4001/p2p/12D3KooWLZLpRLh8Xa7ToFixbpsPtdrbPxUXSc9qtdbfVPBfVBua'),
      ),
    ).toEqual({
      family: 4,
      address: '198.51.100.9',
      port: 4001,
    })
    expect(peerOf(multiaddr('/ip6/::1/tcp/9'))).toEqual({ family: 6, address: '::1', port: 9 })
    expect(peerOf(multiaddr('/dns4/example.com/tcp/1'))).toBeUndefined()
    expect(peerOf(multiaddr('/ip4/1.2.3.4/udp/1/quic-v1'))).toBeUndefined()
    expect(peerOf(multiaddr('/ip4/1.2.3.4/tcp/0'))).toBeUndefined()
  })
})

describe.skipIf(COTURN_NOT_RUN !== '')(`turnTransport through coturn${COTURN_NOT_RUN}`, () => {
  let coturn: Coturn
  let peer: Host<{
    identify: ReturnType<ReturnType<typeof identify>>
    ping: ReturnType<ReturnType<typeof ping>>
  }>
  let dialer: typeof peer
  beforeAll(async () => {
    coturn = await startCoturn({ users: { weft: 'relay-me' } })
    peer = await createHost({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), ping: ping() },
    })
    await peer.handle(ECHO, (stream) => void echo(stream))
    dialer = await createHost({
      transports: [
        turnTransport({
          server: { address: '127.0.0.1', port: coturn.port },
          credentials: { username: 'weft', password: 'relay-me' },
        }),
      ],
      connectionEncrypters: [noise()],
      // coturn's TCP relay drops bytes once 192 KiB wait for a slow reader: a fixed window keeps fewer in flight
      streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: TURN_WINDOW } })],
      services: { identify: identify(), ping: ping() },
    })
  })
  afterAll(async () => {
    await dialer?.stop()
    await peer?.stop()
    await coturn?.stop()
  })

  it('connects through the allocation and runs ping, identify and a 4 MiB echo', async () => {
    const identified = new Promise<string[]>((resolve) =>
      dialer.addEventListener('peer:identify', (evt) => resolve(evt.detail.protocols), { once: true }),
    )
    const target = peer.getMultiaddrs()[0]!
    const connection = await dialer.dial(target, { signal: AbortSignal.timeout(10_000) })
    expect(connection.remotePeer.equals(peer.peerId)).toBe(true)
    expect(connection.encryption).toBe('/noise')
    expect(connection.multiplexer).toBe('/yamux/1.0.0')
    expect(await dialer.services.ping.ping(peer.peerId)).toBeGreaterThanOrEqual(0)
    // the peer sees the relay (coturn's relay ports are 40000-49999 here), not the dialer
    const inbound = peer.getConnections(dialer.peerId)[0]
    expect(inbound?.remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/4\d{4}/)
    expect(await identified).toContain(ECHO)
    expect(await echoThrough(connection, 4 * 1024 * 1024)).toBe(true)
  }, 30_000)
})

export type { TurnTransport }
