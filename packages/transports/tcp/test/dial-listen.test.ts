import { createServer } from 'node:net'
import { DialError as InterfaceDialError, isTransport } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { bytes, closeEvent, type FakeConnection, readExact, tcpHandles, waitFor } from '@weft/testkit'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { DialError } from '../src/index.js'
import { Harness } from './fixtures/harness.js'

/** A port nobody listens on: bind one, then let it go. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('tcp dial and listen', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('is a libp2p transport', () => {
    harness = new Harness()
    expect(isTransport(harness.transport)).toBe(true)
    expect(harness.transport[Symbol.toStringTag]).toBe('@weft/tcp')
  })

  it('listens on port 0, reports the real port, and echoes over IPv4', async () => {
    harness = new Harness()
    const { addr } = await harness.listen('/ip4/127.0.0.1/tcp/0')
    const port = addr.toString().split('/')[4]
    expect(Number(port)).toBeGreaterThan(0)
    expect(addr.toString()).toBe(`/ip4/127.0.0.1/tcp/${port}`)

    const { outbound, inbound } = await harness.connect(addr)
    inbound.addEventListener('message', (evt) => inbound.send(evt.data))
    outbound.send(new TextEncoder().encode('hello tcp'))
    expect(new TextDecoder().decode((await readExact(outbound, 9)).subarray())).toBe('hello tcp')
  })

  it('echoes over IPv6 loopback', async () => {
    harness = new Harness()
    const { addr } = await harness.listen('/ip6/::1/tcp/0')
    expect(addr.toString()).toMatch(/^\/ip6\/::1\/tcp\/\d+$/)
    const { outbound, inbound } = await harness.connect(addr)
    expect(inbound.remoteAddr.toString()).toMatch(/^\/ip6\/::1\/tcp\/\d+$/)
    inbound.addEventListener('message', (evt) => inbound.send(evt.data))
    outbound.send(bytes(100_000, 3))
    const echoed = await readExact(outbound, 100_000)
    expect(echoed.byteLength).toBe(100_000)
    expect(echoed.get(99_999)).toBe(3)
  })

  it('reports remote addresses: the dialled multiaddr outbound, the peer socket inbound', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const peerId = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
    const dialled = addr.encapsulate(`/p2p/${peerId}`)
    const { outbound, inbound } = await harness.connect(dialled)
    expect(outbound.remoteAddr.toString()).toBe(dialled.toString())
    expect(outbound.direction).toBe('outbound')
    expect(inbound.direction).toBe('inbound')
    expect(inbound.remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
    expect(inbound.remoteAddr.toString()).not.toBe(addr.toString())
  })

  it('reports interface addresses, loopback included, when listening on 0.0.0.0', async () => {
    harness = new Harness()
    const { listener } = await harness.listen('/ip4/0.0.0.0/tcp/0')
    const addrs = listener.getAddrs().map(String)
    const loopback = addrs.find((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))
    expect(loopback).toBeDefined()
    expect(addrs.every((a) => a.startsWith('/ip4/'))).toBe(true)
    expect(addrs.some((a) => a.endsWith('/tcp/0'))).toBe(false)
    const { outbound } = await harness.connect(multiaddr(loopback!))
    expect(outbound.status).toBe('open')
  })

  it('reports IPv6 and IPv4 addresses when listening dual-stack on ::', async () => {
    harness = new Harness()
    const { listener } = await harness.listen('/ip6/::/tcp/0')
    const addrs = listener.getAddrs().map(String)
    expect(addrs.some((a) => a.startsWith('/ip6/::1/tcp/'))).toBe(true)
    expect(addrs.some((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))).toBe(true)
    const v4 = addrs.find((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))!
    const { inbound } = await harness.connect(multiaddr(v4))
    // an IPv4 peer of a dual-stack socket is reported as /ip4, not ::ffff:
    expect(inbound.remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+$/)
  })

  it('dials a /dns4 name', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const port = addr.toString().split('/')[4]
    const { outbound, inbound } = await harness.connect(multiaddr(`/dns4/localhost/tcp/${port}`))
    inbound.send(bytes(10))
    expect((await readExact(outbound, 10)).byteLength).toBe(10)
  })

  it('fails fast with a DialError naming the address when the connection is refused', async () => {
    harness = new Harness()
    const addr = multiaddr(`/ip4/127.0.0.1/tcp/${await freePort()}`)
    const started = Date.now()
    const err = await harness.transport
      .dial(addr, { upgrader: harness.upgrader, signal: AbortSignal.timeout(5_000) })
      .catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(err).toBeInstanceOf(DialError)
    expect(err).toBeInstanceOf(InterfaceDialError)
    expect((err as DialError).name).toBe('DialError')
    expect((err as DialError).code).toBe('ECONNREFUSED')
    expect((err as DialError).address).toBe(addr.toString())
    expect((err as Error).message).toContain(addr.toString())
  })

  it('rejects an already aborted dial with AbortError without connecting', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const controller = new AbortController()
    controller.abort()
    const err = await harness.transport
      .dial(addr, { upgrader: harness.upgrader, signal: controller.signal })
      .catch((e: unknown) => e)
    expect((err as Error).name).toBe('AbortError')
    await delay(50)
    expect(harness.upgrader.inboundCalls).toBe(0)
  })

  it('aborts a dial while connecting and destroys the socket', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const before = tcpHandles()
    const controller = new AbortController()
    const dial = harness.transport.dial(addr, { upgrader: harness.upgrader, signal: controller.signal })
    controller.abort()
    await expect(dial).rejects.toHaveProperty('name', 'AbortError')
    // the kernel may have completed the handshake; whatever the listener got is closed again
    await waitFor(() => tcpHandles() <= before)
  })

  it('aborts a dial during the upgrade and closes the connection', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    let dialled: FakeConnection['maConn'] | undefined
    harness.upgrader.beforeOutbound = async (maConn, options) => {
      dialled = maConn
      await new Promise((_, reject) =>
        options.signal.addEventListener('abort', () => reject(options.signal.reason)),
      )
    }
    const controller = new AbortController()
    const dial = harness.transport.dial(addr, { upgrader: harness.upgrader, signal: controller.signal })
    const inbound = await harness.upgrader.nextInbound()
    const inboundClosed = closeEvent(inbound)
    await waitFor(() => dialled != null)
    controller.abort()
    await expect(dial).rejects.toHaveProperty('name', 'AbortError')
    expect(dialled?.status).toBe('aborted')
    await inboundClosed
    expect(inbound.status).not.toBe('open')
  })

  it('times out a dial whose upgrade outlives the signal', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    harness.upgrader.beforeOutbound = async (_maConn, options) => {
      await new Promise((_, reject) =>
        options.signal.addEventListener('abort', () => reject(options.signal.reason)),
      )
    }
    await expect(
      harness.transport.dial(addr, { upgrader: harness.upgrader, signal: AbortSignal.timeout(100) }),
    ).rejects.toHaveProperty('name', 'TimeoutError')
  })

  it('refuses to listen twice, on a used port, or on a name', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    await expect(listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0'))).rejects.toHaveProperty(
      'name',
      'ListenError',
    )
    const other = harness.transport.createListener({ upgrader: harness.upgrader })
    await expect(other.listen(addr)).rejects.toHaveProperty('name', 'ListenError')
    await expect(other.listen(multiaddr('/dns4/localhost/tcp/0'))).rejects.toHaveProperty(
      'name',
      'InvalidMultiaddrError',
    )
    await other.close()
  })

  it('filters addresses it can dial and listen on', () => {
    harness = new Harness()
    const addrs = [
      '/ip4/127.0.0.1/tcp/4001',
      '/ip6/::1/tcp/4001/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5',
      '/dns4/example.com/tcp/4001',
      '/ip4/127.0.0.1/tcp/0',
      '/ip4/127.0.0.1/tcp/4001/ws',
      '/ip4/127.0.0.1/udp/4001/quic-v1',
      '/memory/x',
    ].map((a) => multiaddr(a))
    expect(harness.transport.dialFilter(addrs).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/4001',
      '/ip6/::1/tcp/4001/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5',
      '/dns4/example.com/tcp/4001',
    ])
    expect(harness.transport.listenFilter(addrs).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/4001',
      '/ip6/::1/tcp/4001/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5',
      '/ip4/127.0.0.1/tcp/0',
    ])
  })

  it('rejects dialling an address that is not TCP', async () => {
    harness = new Harness()
    await expect(
      harness.transport.dial(multiaddr('/ip4/127.0.0.1/tcp/1/ws'), {
        upgrader: harness.upgrader,
        signal: AbortSignal.timeout(1_000),
      }),
    ).rejects.toHaveProperty('name', 'InvalidMultiaddrError')
  })
})
