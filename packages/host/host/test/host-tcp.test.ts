import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@weft/crypto'
import { mplex } from '@weft/mplex'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { withoutPeerId } from '../src/internal/addresses.js'
import { stopAll, tcpHost } from './fixtures/hosts.js'
import { echo, encode, nextEvent, readAll, record } from './fixtures/peer.js'

afterEach(stopAll)

describe('two hosts over TCP on loopback', () => {
  it('dial by multiaddr, dialProtocol echo, with noise and yamux', async () => {
    const listener = await tcpHost()
    const dialer = await tcpHost()
    await listener.handle('/echo/1.0.0', (stream) => echo(stream))
    const address = listener.getMultiaddrs()[0]!
    expect(address.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)

    const stream = await dialer.dialProtocol(address, '/echo/1.0.0')
    stream.send(encode('hello over tcp'))
    await stream.close()
    expect(await readAll(stream)).toBe('hello over tcp')

    const [connection] = dialer.getConnections(listener.peerId)
    expect(connection?.encryption).toBe('/noise')
    expect(connection?.multiplexer).toBe('/yamux/1.0.0')
    expect(dialer.getPeers().map(String)).toEqual([listener.peerId.toString()])
    // the address that worked is remembered, so dialing by peer id reuses or finds it
    expect(await dialer.dial(listener.peerId)).toBe(connection)
    const known = await dialer.peerStore.get(listener.peerId)
    expect(known.addresses.map((a) => a.multiaddr.toString())).toContain(withoutPeerId(address).toString())
  })

  it('dials by peer id from the peer store, and shares one dial between concurrent callers', async () => {
    const listener = await tcpHost()
    const dialer = await tcpHost()
    await dialer.peerStore.merge(listener.peerId, { multiaddrs: listener.getMultiaddrs().map(withoutPeerId) })
    const [a, b] = await Promise.all([dialer.dial(listener.peerId), dialer.dial(listener.peerId)])
    expect(a).toBe(b)
    expect(dialer.getConnections()).toHaveLength(1)
    expect(dialer.getDialQueue()).toEqual([])
  })

  it('negotiates mplex when that is the muxer both hosts share', async () => {
    const listener = await tcpHost({ streamMuxers: [mplex()] })
    const dialer = await tcpHost({ streamMuxers: [mplex()] })
    await listener.handle('/echo/1.0.0', (stream) => echo(stream))
    const stream = await dialer.dialProtocol(listener.getMultiaddrs(), '/echo/1.0.0')
    stream.send(encode('mplex'))
    await stream.close()
    expect(await readAll(stream)).toBe('mplex')
    expect(dialer.getConnections()[0]?.multiplexer).toBe('/mplex/6.7.0')
  })

  it('handle and unhandle change what the remote can open', async () => {
    const listener = await tcpHost()
    const dialer = await tcpHost()
    await listener.handle('/a/1.0.0', (stream) => echo(stream))
    expect(listener.getProtocols()).toEqual(['/a/1.0.0'])
    await expect(listener.handle('/a/1.0.0', () => {})).rejects.toMatchObject({
      name: 'DuplicateProtocolHandlerError',
    })
    const address = listener.getMultiaddrs()[0]!
    await (await dialer.dialProtocol(address, '/a/1.0.0')).close()
    await listener.unhandle('/a/1.0.0')
    expect(listener.getProtocols()).toEqual([])
    await expect(dialer.dialProtocol(address, '/a/1.0.0')).rejects.toMatchObject({
      name: 'UnsupportedProtocolError',
    })
  })

  it('dispatches connection and peer events on both hosts', async () => {
    const listener = await tcpHost()
    const dialer = await tcpHost()
    const dialerEvents = {
      open: record<Connection>(dialer, 'connection:open'),
      close: record<Connection>(dialer, 'connection:close'),
      connect: record<PeerId>(dialer, 'peer:connect'),
      disconnect: record<PeerId>(dialer, 'peer:disconnect'),
    }
    const listenerConnect = nextEvent<PeerId>(listener, 'peer:connect')
    const connection = await dialer.dial(listener.getMultiaddrs()[0]!)
    expect((await listenerConnect).equals(dialer.peerId)).toBe(true)
    expect(dialerEvents.open).toEqual([connection])
    expect(dialerEvents.connect.map(String)).toEqual([listener.peerId.toString()])

    const listenerDisconnect = nextEvent<PeerId>(listener, 'peer:disconnect')
    await dialer.hangUp(listener.peerId)
    expect((await listenerDisconnect).equals(dialer.peerId)).toBe(true)
    expect(dialerEvents.close).toEqual([connection])
    expect(dialerEvents.disconnect.map(String)).toEqual([listener.peerId.toString()])
    expect(dialer.getConnections()).toEqual([])
  })

  it('fails with UnexpectedPeerError when the address names another peer', async () => {
    const listener = await tcpHost()
    const dialer = await tcpHost()
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const wrong = withoutPeerId(listener.getMultiaddrs()[0]!).encapsulate(`/p2p/${stranger}`)
    await expect(dialer.dial(wrong)).rejects.toMatchObject({ name: 'UnexpectedPeerError' })
    expect(dialer.getConnections()).toEqual([])
  })

  it('refuses to dial itself or a target without usable addresses', async () => {
    const host = await tcpHost()
    await expect(host.dial(host.peerId)).rejects.toMatchObject({ name: 'SelfDialError' })
    await expect(host.dial(host.getMultiaddrs()[0]!)).rejects.toMatchObject({ name: 'SelfDialError' })
    const unknown = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await expect(host.dial(unknown)).rejects.toMatchObject({ name: 'NoValidAddressesError' })
    await expect(host.dial(multiaddr(`/memory/nowhere/p2p/${unknown}`))).rejects.toMatchObject({
      name: 'NoValidAddressesError',
    })
  })

  it('bounds a dial to an address that never answers by dialTimeout', async () => {
    // a listening socket that never speaks: the TCP handshake completes, the upgrade stalls
    const { createServer } = await import('node:net')
    const sockets: Array<import('node:net').Socket> = []
    const server = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const dialer = await tcpHost({ connectionManager: { dialTimeout: 300 } })
    const silent = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const started = Date.now()
    await expect(dialer.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/p2p/${silent}`))).rejects.toBeInstanceOf(
      Error,
    )
    expect(Date.now() - started).toBeLessThan(3000)
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  it('refuses inbound connections beyond maxConnections', async () => {
    const listener = await tcpHost({ connectionManager: { maxConnections: 1 } })
    const first = await tcpHost()
    const second = await tcpHost()
    const address = listener.getMultiaddrs()[0]!
    await first.dial(address)
    await expect(second.dial(address)).rejects.toBeInstanceOf(Error)
    await delay(50)
    expect(listener.getConnections()).toHaveLength(1)
    expect(listener.getConnections()[0]?.remotePeer.equals(first.peerId)).toBe(true)
  })

  it('prunes connections when dials push the count over maxConnections', async () => {
    const hub = await tcpHost({ connectionManager: { maxConnections: 1 } })
    const a = await tcpHost()
    const b = await tcpHost()
    const pruned = nextEvent<Connection[]>(hub, 'connection:prune')
    await hub.dial(a.getMultiaddrs()[0]!)
    await hub.dial(b.getMultiaddrs()[0]!)
    expect((await pruned).map((connection) => connection.remotePeer.toString())).toEqual([
      a.peerId.toString(),
    ])
    // the pruned connection closes asynchronously: wait for it (bounded)
    const deadline = Date.now() + 5_000
    while (hub.getConnections().length > 1 && Date.now() < deadline) await delay(20)
    expect(hub.getConnections().map((connection) => connection.remotePeer.toString())).toEqual([
      b.peerId.toString(),
    ])
  })

  it('a peer opening streams without limit gets the extra ones reset while the host serves others', async () => {
    const listener = await tcpHost()
    const greedy = await tcpHost()
    const polite = await tcpHost()
    await listener.handle('/hold/1.0.0', () => {}, { maxInboundStreams: 4 })
    await listener.handle('/echo/1.0.0', (stream) => echo(stream))
    const address = listener.getMultiaddrs()[0]!
    const connection = await greedy.dial(address)
    const streams = await Promise.all(
      Array.from({ length: 12 }, async () =>
        connection.newStream('/hold/1.0.0', { maxOutboundStreams: 100 }),
      ),
    )
    await delay(300)
    const reset = streams.filter((stream) => stream.status === 'reset' || stream.status === 'aborted')
    expect(reset).toHaveLength(8)

    const stream = await polite.dialProtocol(address, '/echo/1.0.0')
    stream.send(encode('still serving'))
    await stream.close()
    expect(await readAll(stream)).toBe('still serving')
  })

  it('cuts a stalled inbound upgrade at inboundUpgradeTimeout and closes garbage at once', async () => {
    const { connect } = await import('node:net')
    const listener = await tcpHost({ connectionManager: { inboundUpgradeTimeout: 1000 } })
    await listener.handle('/echo/1.0.0', (stream) => echo(stream))
    const port = Number(listener.getMultiaddrs()[0]!.getComponents()[1]!.value)
    const closedWithin = async (send?: Uint8Array): Promise<number> => {
      const started = Date.now()
      const socket = connect(port, '127.0.0.1')
      socket.on('error', () => {})
      if (send != null) socket.write(send)
      await new Promise((resolve) => socket.on('close', resolve))
      return Date.now() - started
    }
    const line = encode('GET / HTTP/1.1\n')
    const [silent, garbage] = await Promise.all([
      closedWithin(),
      closedWithin(new Uint8Array([line.byteLength, ...line])),
    ])
    expect(silent).toBeGreaterThanOrEqual(900)
    expect(silent).toBeLessThan(5000)
    expect(garbage).toBeLessThan(800)

    const dialer = await tcpHost()
    const stream = await dialer.dialProtocol(listener.getMultiaddrs()[0]!, '/echo/1.0.0')
    stream.send(encode('unharmed'))
    await stream.close()
    expect(await readAll(stream)).toBe('unharmed')
  })

  it('reports start/stop status and events, and can start again', async () => {
    const host = await tcpHost({ start: false })
    expect(host.status).toBe('stopped')
    const events: string[] = []
    host.addEventListener('start', () => events.push('start'))
    host.addEventListener('stop', () => events.push('stop'))
    await host.start()
    expect(host.status).toBe('started')
    expect(host.getMultiaddrs()).toHaveLength(1)
    await host.stop()
    expect(host.status).toBe('stopped')
    await host.start()
    expect(host.getMultiaddrs()).toHaveLength(1)
    expect(events).toEqual(['start', 'stop', 'start'])
  })

  it('fails start with a clear error when no transport can listen on an address', async () => {
    await expect(
      tcpHost({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0', '/memory/nope'] } }),
    ).rejects.toMatchObject({ name: 'UnsupportedListenAddressError' })
  })

  it('stop() leaves no socket or timer open', async () => {
    const countOf = (list: string[], kind: string): number => list.filter((item) => item === kind).length
    const baseline = process.getActiveResourcesInfo()
    const listener = await tcpHost()
    const dialer = await tcpHost()
    await listener.handle('/echo/1.0.0', (stream) => echo(stream))
    const stream = await dialer.dialProtocol(listener.getMultiaddrs()[0]!, '/echo/1.0.0')
    stream.send(encode('x'))
    const during = process.getActiveResourcesInfo()
    expect(countOf(during, 'TCPSocketWrap') + countOf(during, 'TCPServerWrap')).toBeGreaterThan(0)
    await stopAll()
    await delay(50)
    const after = process.getActiveResourcesInfo()
    for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout']) {
      expect(countOf(after, kind), kind).toBeLessThanOrEqual(countOf(baseline, kind))
    }
  })
})
