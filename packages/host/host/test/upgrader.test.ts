import type { Connection, MultiaddrConnection } from '@libp2p/interface'
import { mplex } from '@weft/mplex'
import { noise } from '@weft/noise'
import { delay, streamPair } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { describe, expect, it } from 'vitest'
import { resolveUpgraderConfig } from '../src/config.js'
import { Upgrader, type UpgraderInit } from '../src/upgrader.js'
import { echo, encode, nextEvent, readAll, type TestPeer, testPeer } from './fixtures/peer.js'
import { PLAINTEXT, plaintext } from './fixtures/plaintext.js'

interface Side {
  peer: TestPeer
  upgrader: Upgrader
  admitted: { pending: number; refuse: boolean }
}

async function side(init: Partial<UpgraderInit> = {}, peer?: TestPeer): Promise<Side> {
  const p = peer ?? (await testPeer())
  const admitted = { pending: 0, refuse: false }
  const connectionManager = {
    acceptIncomingConnection: () => {
      if (admitted.refuse) return false
      admitted.pending++
      return true
    },
    afterUpgradeInbound: () => {
      admitted.pending--
    },
  }
  const upgrader = new Upgrader(
    { ...p, connectionManager },
    resolveUpgraderConfig({ connectionEncrypters: [plaintext()(p)], streamMuxers: [yamux()()], ...init }),
  )
  return { peer: p, upgrader, admitted }
}

const signal = (): AbortSignal => AbortSignal.timeout(5000)

async function connect(dialer: Side, listener: Side): Promise<[Connection, Connection]> {
  const [outbound, inbound] = streamPair()
  const opened = nextEvent<Connection>(listener.peer.events, 'connection:open')
  const [a] = await Promise.all([
    dialer.upgrader.upgradeOutbound(outbound, { signal: signal() }),
    listener.upgrader.upgradeInbound(inbound, { signal: signal() }),
  ])
  return [a, await opened]
}

describe('Upgrader', () => {
  it('secures and multiplexes a connection both ways and dispatches connection:open', async () => {
    const dialer = await side()
    const listener = await side()
    const dialerOpened = nextEvent<Connection>(dialer.peer.events, 'connection:open')
    const [a, b] = await connect(dialer, listener)
    expect(await dialerOpened).toBe(a)
    expect(a.remotePeer.equals(listener.peer.peerId)).toBe(true)
    expect(b.remotePeer.equals(dialer.peer.peerId)).toBe(true)
    expect([a.direction, b.direction]).toEqual(['outbound', 'inbound'])
    expect([a.encryption, a.multiplexer]).toEqual([PLAINTEXT, '/yamux/1.0.0'])
    expect(b.timeline.upgraded).toBeTypeOf('number')
    expect(listener.admitted.pending).toBe(0)

    await listener.peer.registrar.handle('/echo/1.0.0', (stream) => echo(stream))
    const stream = await a.newStream('/echo/1.0.0')
    stream.send(encode('hello'))
    await stream.close()
    expect(await readAll(stream)).toBe('hello')
    await a.close()
  })

  it('exposes its encrypters and muxers as maps', async () => {
    const { upgrader } = await side({ streamMuxers: [yamux()(), mplex()()] })
    expect([...upgrader.getConnectionEncrypters().keys()]).toEqual([PLAINTEXT])
    expect([...upgrader.getStreamMuxers().keys()]).toEqual(['/yamux/1.0.0', '/mplex/6.7.0'])
  })

  it('negotiates a muxer both sides speak', async () => {
    const dialer = await side({ streamMuxers: [yamux()(), mplex()()] })
    const listener = await side({ streamMuxers: [mplex()()] })
    const [a, b] = await connect(dialer, listener)
    expect(a.multiplexer).toBe('/mplex/6.7.0')
    expect(b.multiplexer).toBe('/mplex/6.7.0')
    await a.close()
  })

  it('fails with UnexpectedPeerError when the remote is not the expected peer, aborting the connection', async () => {
    const dialer = await side()
    const listener = await side()
    const stranger = await testPeer()
    const [outbound, inbound] = streamPair()
    const inboundResult = listener.upgrader
      .upgradeInbound(inbound, { signal: signal() })
      .catch((err: Error) => err)
    await expect(
      dialer.upgrader.forRemotePeer(stranger.peerId).upgradeOutbound(outbound, { signal: signal() }),
    ).rejects.toMatchObject({ name: 'UnexpectedPeerError' })
    expect(outbound.status).toBe('aborted')
    expect(await inboundResult).toBeInstanceOf(Error)
  })

  it('aborts the connection when the Noise handshake fails: Noise throws, the upgrader aborts', async () => {
    const withNoise = async (): Promise<Side> => {
      const peer = await testPeer()
      return side({ connectionEncrypters: [noise()({ ...peer })] }, peer)
    }
    const dialer = await withNoise()
    const listener = await withNoise()
    const stranger = await testPeer()
    const [outbound, inbound] = streamPair()
    const inboundResult = listener.upgrader
      .upgradeInbound(inbound, { signal: signal() })
      .catch((err: Error) => err)
    // Noise itself proves the peer id here (remotePeer is passed to secureOutbound)
    await expect(
      dialer.upgrader.forRemotePeer(stranger.peerId).upgradeOutbound(outbound, { signal: signal() }),
    ).rejects.toMatchObject({ name: 'UnexpectedPeerError' })
    expect(outbound.status).toBe('aborted')
    expect(await inboundResult).toBeInstanceOf(Error)
    // the dialer's abort reset it, or the listener's upgrader aborted it: either way it is over
    expect(['aborted', 'reset']).toContain(inbound.status)
    expect(listener.admitted.pending).toBe(0)
  })

  it('lets a transport abort a failed connection again without harm', async () => {
    const listener = await side()
    listener.admitted.refuse = true
    const [outbound, inbound] = streamPair()
    const closed = nextEvent<Event>(inbound, 'close')
    await expect(listener.upgrader.upgradeInbound(inbound, { signal: signal() })).rejects.toMatchObject({
      name: 'TooManyConnectionsError',
    })
    // what js-libp2p's transports do after a failed upgrade
    inbound.abort(new Error('the transport aborts too'))
    expect(inbound.status).toBe('aborted')
    expect(((await closed) as Event & { error?: Error }).error?.name).toBe('TooManyConnectionsError')
    outbound.abort(new Error('done'))
  })

  it('lets the connection gater refuse at each stage', async () => {
    const dialer = await side()
    const refusing = await testPeer()
    refusing.connectionGater = { denyInboundConnection: () => true }
    const listener = await side({}, refusing)
    const [outbound, inbound] = streamPair()
    const results = await Promise.allSettled([
      dialer.upgrader.upgradeOutbound(outbound, { signal: signal() }),
      listener.upgrader.upgradeInbound(inbound, { signal: signal() }),
    ])
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { name: 'ConnectionDeniedError' } })
    expect(results[0].status).toBe('rejected')
    expect(inbound.status).toBe('aborted')

    const picky = await testPeer()
    picky.connectionGater = { denyOutboundEncryptedConnection: () => true }
    const dialer2 = await side({}, picky)
    const [out2, in2] = streamPair()
    const settled = await Promise.allSettled([
      dialer2.upgrader.upgradeOutbound(out2, { signal: signal() }),
      (await side()).upgrader.upgradeInbound(in2, { signal: signal() }),
    ])
    expect(settled[0]).toMatchObject({ status: 'rejected', reason: { name: 'ConnectionDeniedError' } })
  })

  it('cuts a stalled inbound upgrade at inboundUpgradeTimeout, aborting only that connection', async () => {
    const listener = await side({ inboundUpgradeTimeout: 100 })
    const [outbound, inbound] = streamPair()
    const started = Date.now()
    // the dialer never says anything
    await expect(listener.upgrader.upgradeInbound(inbound, { signal: signal() })).rejects.toMatchObject({
      name: 'TimeoutError',
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(inbound.status).toBe('aborted')
    expect(listener.admitted.pending).toBe(0)
    outbound.abort(new Error('done'))

    // the same upgrader still serves others
    const [a] = await connect(await side(), listener)
    expect(a.status).toBe('open')
    await a.close()
  })

  it('closes a connection that sends garbage instead of multistream-select', async () => {
    const listener = await side()
    const [outbound, inbound] = streamPair()
    const started = Date.now()
    const upgrade = listener.upgrader.upgradeInbound(inbound, { signal: signal() })
    // a well-framed message that is not the multistream header
    const line = encode('GET / HTTP/1.1\n')
    outbound.send(new Uint8Array([line.byteLength, ...line]))
    await expect(upgrade).rejects.toBeInstanceOf(Error)
    expect(inbound.status).toBe('aborted')
    expect(Date.now() - started).toBeLessThan(1000)

    // an absurd length prefix fails as fast
    const [outbound2, inbound2] = streamPair()
    const upgrade2 = listener.upgrader.upgradeInbound(inbound2, { signal: signal() })
    outbound2.send(new Uint8Array([0xff, 0xff, 0xff, 0x7f]))
    await expect(upgrade2).rejects.toBeInstanceOf(Error)
    expect(inbound2.status).toBe('aborted')
  })

  it('refuses an inbound connection the connection manager does not admit', async () => {
    const listener = await side()
    listener.admitted.refuse = true
    const [, inbound] = streamPair()
    await expect(listener.upgrader.upgradeInbound(inbound, { signal: signal() })).rejects.toMatchObject({
      name: 'TooManyConnectionsError',
    })
    expect(inbound.status).toBe('aborted')
  })

  it('skips encryption when the transport secures the connection itself', async () => {
    const dialer = await side()
    const listener = await side()
    const [outbound, inbound] = streamPair()
    const opened = nextEvent<Connection>(listener.peer.events, 'connection:open')
    const [a] = await Promise.all([
      dialer.upgrader.upgradeOutbound(outbound, {
        signal: signal(),
        skipEncryption: true,
        remotePeer: listener.peer.peerId,
      }),
      listener.upgrader.upgradeInbound(inbound as MultiaddrConnection, {
        signal: signal(),
        skipEncryption: true,
        remotePeer: dialer.peer.peerId,
      }),
    ])
    const b = await opened
    expect(a.encryption).toBeUndefined()
    expect(b.remotePeer.equals(dialer.peer.peerId)).toBe(true)
    await a.close()
  })

  it('createInboundAbortSignal aborts after the inbound timeout', async () => {
    const { upgrader } = await side({ inboundUpgradeTimeout: 20 })
    const combined = upgrader.createInboundAbortSignal(new AbortController().signal)
    await delay(60)
    expect(combined.aborted).toBe(true)
    combined.clear()
  })
})
