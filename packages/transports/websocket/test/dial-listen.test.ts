import { createServer, request } from 'node:http'
import { DialError as InterfaceDialError, isTransport } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { type FakeConnection, failBothUpgrades } from '@weft/testkit'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { DialError } from '../src/index.js'
import { bytes, closeEvent, Harness, readExact, tcpHandles, waitFor } from './fixtures/helpers.js'

/** A port nobody listens on: bind one, then let it go. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

function portOf(addr: { toString(): string }): number {
  return Number(addr.toString().split('/')[4])
}

describe('websocket dial and listen', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('is a libp2p transport', () => {
    harness = new Harness()
    expect(isTransport(harness.transport)).toBe(true)
    expect(harness.transport[Symbol.toStringTag]).toBe('@weft/websocket')
  })

  it('listens on port 0, reports the real port, and echoes over /ws on IPv4', async () => {
    harness = new Harness()
    const { addr } = await harness.listen('/ip4/127.0.0.1/tcp/0/ws')
    expect(portOf(addr)).toBeGreaterThan(0)
    expect(addr.toString()).toBe(`/ip4/127.0.0.1/tcp/${portOf(addr)}/ws`)
    const { outbound, inbound } = await harness.connect(addr)
    inbound.addEventListener('message', (evt) => inbound.send(evt.data))
    outbound.send(new TextEncoder().encode('hello ws'))
    expect(new TextDecoder().decode((await readExact(outbound, 8)).subarray())).toBe('hello ws')
  })

  it('echoes over IPv6 loopback', async () => {
    harness = new Harness()
    const { addr } = await harness.listen('/ip6/::1/tcp/0/ws')
    expect(addr.toString()).toMatch(/^\/ip6\/::1\/tcp\/\d+\/ws$/)
    const { outbound, inbound } = await harness.connect(addr)
    expect(inbound.remoteAddr.toString()).toMatch(/^\/ip6\/::1\/tcp\/\d+\/ws$/)
    inbound.addEventListener('message', (evt) => inbound.send(evt.data))
    outbound.send(bytes(300_000, 3))
    const echoed = await readExact(outbound, 300_000)
    expect(echoed.byteLength).toBe(300_000)
    expect(echoed.get(299_999)).toBe(3)
  })

  it('echoes over /wss with a self-signed certificate, on IPv4 and IPv6', async () => {
    harness = await Harness.secure()
    for (const listen of ['/ip4/127.0.0.1/tcp/0/wss', '/ip6/::1/tcp/0/wss']) {
      const { addr } = await harness.listen(listen)
      expect(addr.toString()).toMatch(/\/tcp\/\d+\/wss$/)
      const { outbound, inbound } = await harness.connect(addr)
      expect(inbound.remoteAddr.toString()).toMatch(/\/wss$/)
      inbound.addEventListener('message', (evt) => inbound.send(evt.data))
      outbound.send(bytes(200_000, 9))
      expect((await readExact(outbound, 200_000)).get(199_999)).toBe(9)
    }
  })

  it('listens on /tls/ws and reports it in that form; dials it by name with /tls/sni', async () => {
    harness = await Harness.secure()
    const { addr } = await harness.listen('/ip4/127.0.0.1/tcp/0/tls/ws')
    expect(addr.toString()).toBe(`/ip4/127.0.0.1/tcp/${portOf(addr)}/tls/ws`)
    const byName = multiaddr(`/dns4/localhost/tcp/${portOf(addr)}/tls/sni/localhost/ws`)
    const { outbound, inbound } = await harness.connect(byName)
    expect(outbound.remoteAddr.toString()).toBe(byName.toString())
    inbound.send(bytes(10))
    expect((await readExact(outbound, 10)).byteLength).toBe(10)
  })

  it('refuses a /wss certificate the dialer does not trust with a DialError', async () => {
    harness = await Harness.secure()
    const { addr } = await harness.listen('/ip4/127.0.0.1/tcp/0/wss')
    const untrusting = new Harness()
    const err = await untrusting.transport
      .dial(addr, { upgrader: untrusting.upgrader, signal: AbortSignal.timeout(5_000) })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DialError)
    expect((err as DialError).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect((err as Error).message).toContain('self-signed certificate')
    await untrusting.cleanup()
  })

  it('refuses to listen on /wss without a certificate', async () => {
    harness = new Harness()
    const listener = harness.transport.createListener({ upgrader: harness.upgrader })
    await expect(listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0/wss'))).rejects.toThrow(
      /\/wss needs a certificate and key/,
    )
    await listener.close()
  })

  it('dials a /dns4 name', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(multiaddr(`/dns4/localhost/tcp/${portOf(addr)}/ws`))
    inbound.send(bytes(10))
    expect((await readExact(outbound, 10)).byteLength).toBe(10)
  })

  it('reports remote addresses: the dialled multiaddr outbound, the peer socket inbound', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const dialled = addr.encapsulate('/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5')
    const { outbound, inbound } = await harness.connect(dialled)
    expect(outbound.remoteAddr.toString()).toBe(dialled.toString())
    expect(outbound.direction).toBe('outbound')
    expect(inbound.direction).toBe('inbound')
    expect(inbound.remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws$/)
    expect(inbound.remoteAddr.toString()).not.toBe(addr.toString())
  })

  it('reports interface addresses when listening on 0.0.0.0 and dual-stack on ::', async () => {
    harness = new Harness()
    const { listener } = await harness.listen('/ip4/0.0.0.0/tcp/0/ws')
    const addrs = listener.getAddrs().map(String)
    expect(addrs.some((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws$/.test(a))).toBe(true)
    expect(addrs.every((a) => a.startsWith('/ip4/') && a.endsWith('/ws'))).toBe(true)
    const { listener: dual } = await harness.listen('/ip6/::/tcp/0/ws')
    const dualAddrs = dual.getAddrs().map(String)
    expect(dualAddrs.some((a) => a.startsWith('/ip6/::1/tcp/'))).toBe(true)
    const v4 = dualAddrs.find((a) => a.startsWith('/ip4/127.0.0.1/tcp/'))!
    const { inbound } = await harness.connect(multiaddr(v4))
    expect(inbound.remoteAddr.toString()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws$/)
  })

  it('answers plain HTTP requests with 426 Upgrade Required', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: portOf(addr), path: '/', agent: false }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(426)
  })

  it('fails fast with a DialError naming the address when the connection is refused', async () => {
    harness = new Harness()
    const addr = multiaddr(`/ip4/127.0.0.1/tcp/${await freePort()}/ws`)
    const started = Date.now()
    const err = await harness.transport
      .dial(addr, { upgrader: harness.upgrader, signal: AbortSignal.timeout(5_000) })
      .catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(err).toBeInstanceOf(DialError)
    expect(err).toBeInstanceOf(InterfaceDialError)
    expect((err as DialError).name).toBe('DialError')
    expect((err as DialError).code).toBe('ECONNREFUSED')
    expect((err as DialError).address).toBe(addr.toString())
  })

  it('fails with a DialError carrying the HTTP status when the server does not upgrade', async () => {
    harness = new Harness()
    const server = createServer((_req, res) => {
      res.writeHead(404)
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const err = await harness.transport
      .dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/ws`), {
        upgrader: harness.upgrader,
        signal: AbortSignal.timeout(5_000),
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DialError)
    expect((err as DialError).statusCode).toBe(404)
    expect((err as Error).message).toMatch(/answered HTTP 404 instead of upgrading/)
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
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

  it('aborts a dial while connecting and leaves no socket', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const before = tcpHandles()
    const controller = new AbortController()
    const dial = harness.transport.dial(addr, { upgrader: harness.upgrader, signal: controller.signal })
    controller.abort()
    await expect(dial).rejects.toHaveProperty('name', 'AbortError')
    await waitFor(() => tcpHandles() <= before)
  })

  it('bounds a dial to a server that never answers the upgrade by dialTimeout', async () => {
    harness = new Harness({ dialTimeout: 300 })
    const { createServer: createTcpServer } = await import('node:net')
    const sockets: Array<import('node:net').Socket> = []
    const server = createTcpServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const started = Date.now()
    await expect(
      harness.transport.dial(multiaddr(`/ip4/127.0.0.1/tcp/${port}/ws`), {
        upgrader: harness.upgrader,
        signal: AbortSignal.timeout(10_000),
      }),
    ).rejects.toHaveProperty('name', 'TimeoutError')
    expect(Date.now() - started).toBeLessThan(2_000)
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  it('aborts a dial during the upgrade and closes the connection on both sides', async () => {
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
    harness.track(inbound)
    const inboundClosed = closeEvent(inbound)
    await waitFor(() => dialled != null)
    controller.abort()
    await expect(dial).rejects.toHaveProperty('name', 'AbortError')
    expect(dialled?.status).toBe('aborted')
    const evt = await inboundClosed
    expect(evt.error?.name).toBe('StreamResetError')
    expect(evt.error?.message).toMatch(/code 4000 \(aborted\)/)
  })

  it('leaves a failed upgrade to an upgrader that aborts it: one abort, and no timeout of its own', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const result = await failBothUpgrades(harness.transport, harness.upgrader, addr)
    expect(result.dialError?.message).toBe('outbound upgrade failed')
    expect(result.aborts).toEqual(['inbound: inbound upgrade failed', 'outbound: outbound upgrade failed'])
    // the listener hands over its shutdown signal: the upgrader bounds the upgrade
    expect(result.inboundTimeoutsAsked).toBe(0)
    expect(result.handedOverSignalAborted).toBe(false)
  })

  it('refuses to listen twice, on a used port, or on a name', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    await expect(listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0/ws'))).rejects.toHaveProperty(
      'name',
      'ListenError',
    )
    const other = harness.transport.createListener({ upgrader: harness.upgrader })
    await expect(other.listen(addr)).rejects.toHaveProperty('name', 'ListenError')
    await expect(other.listen(multiaddr('/dns4/localhost/tcp/0/ws'))).rejects.toHaveProperty(
      'name',
      'InvalidMultiaddrError',
    )
    await other.close()
  })

  it('filters addresses it can dial and listen on', () => {
    harness = new Harness()
    const addrs = [
      '/ip4/127.0.0.1/tcp/4001/ws',
      '/ip6/::1/tcp/4001/wss',
      '/dns4/example.com/tcp/443/tls/ws',
      '/ip4/127.0.0.1/tcp/0/ws',
      '/ip4/127.0.0.1/tcp/4001',
      '/memory/x',
    ].map((a) => multiaddr(a))
    expect(harness.transport.dialFilter(addrs).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/4001/ws',
      '/ip6/::1/tcp/4001/wss',
      '/dns4/example.com/tcp/443/tls/ws',
    ])
    expect(harness.transport.listenFilter(addrs).map(String)).toEqual([
      '/ip4/127.0.0.1/tcp/4001/ws',
      '/ip6/::1/tcp/4001/wss',
      '/ip4/127.0.0.1/tcp/0/ws',
    ])
  })
})
