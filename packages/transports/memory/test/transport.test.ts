import { DialError as InterfaceDialError, isTransport } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { bytes, closeEvent, type FakeConnection, FakeUpgrader, waitFor } from '@weft/testkit'
import { defaultLogger, delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { DialError, MemoryRegistry, memory } from '../src/index.js'
import { Harness, uniqueName } from './fixtures/harness.js'

const peerId = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

describe('memory transport', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('is a libp2p transport', () => {
    harness = new Harness()
    expect(isTransport(harness.transport)).toBe(true)
    expect(harness.transport[Symbol.toStringTag]).toBe('@weft/memory')
  })

  it('listens on /memory/<name> and echoes both ways', async () => {
    harness = new Harness()
    const name = uniqueName()
    const { listener, addr } = await harness.listen(name)
    expect(listener.getAddrs().map(String)).toEqual([`/memory/${name}`])
    const { outbound, inbound } = await harness.connect(addr)
    inbound.addEventListener('message', (evt) => inbound.send(evt.data))
    let echoed = 0
    outbound.addEventListener('message', (evt) => {
      echoed += evt.data.byteLength
    })
    outbound.send(bytes(300_000))
    await waitFor(() => echoed === 300_000)
  })

  it('reports the dialled address outbound and a distinct dialer address inbound', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const dialled = addr.encapsulate(`/p2p/${peerId}`)
    const first = await harness.connect(dialled)
    const second = await harness.connect(addr)
    expect(first.outbound.remoteAddr.toString()).toBe(dialled.toString())
    expect(first.outbound.direction).toBe('outbound')
    expect(first.inbound.direction).toBe('inbound')
    expect(first.inbound.remoteAddr.toString()).toMatch(/^\/memory\/dialer-\d+$/)
    expect(second.inbound.remoteAddr.toString()).not.toBe(first.inbound.remoteAddr.toString())
  })

  it('fails with a DialError naming the address when nobody listens', async () => {
    harness = new Harness()
    const addr = multiaddr(`/memory/${uniqueName()}`)
    const err = await harness.transport
      .dial(addr, { upgrader: harness.upgrader, signal: AbortSignal.timeout(1_000) })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DialError)
    expect(err).toBeInstanceOf(InterfaceDialError)
    expect((err as DialError).name).toBe('DialError')
    expect((err as DialError).address).toBe(addr.toString())
    expect((err as Error).message).toContain(addr.toString())
  })

  it('refuses a name in use, a second listen, and addresses that are not memory ones', async () => {
    harness = new Harness()
    const name = uniqueName()
    const { listener } = await harness.listen(name)
    await expect(listener.listen(multiaddr(`/memory/${uniqueName()}`))).rejects.toHaveProperty(
      'name',
      'ListenError',
    )
    const other = harness.transport.createListener({ upgrader: harness.upgrader })
    await expect(other.listen(multiaddr(`/memory/${name}`))).rejects.toHaveProperty('name', 'ListenError')
    await expect(other.listen(multiaddr('/ip4/127.0.0.1/tcp/0'))).rejects.toHaveProperty(
      'name',
      'InvalidMultiaddrError',
    )
    await other.close()
    await expect(
      harness.transport.dial(multiaddr('/ip4/127.0.0.1/tcp/1'), {
        upgrader: harness.upgrader,
        signal: AbortSignal.timeout(1_000),
      }),
    ).rejects.toHaveProperty('name', 'InvalidMultiaddrError')
  })

  it('filters memory addresses', () => {
    harness = new Harness()
    const addrs = ['/memory/a', `/memory/b/p2p/${peerId}`, '/ip4/127.0.0.1/tcp/1', `/p2p/${peerId}`].map(
      (a) => multiaddr(a),
    )
    expect(harness.transport.dialFilter(addrs).map(String)).toEqual(['/memory/a', `/memory/b/p2p/${peerId}`])
    expect(harness.transport.listenFilter(addrs).map(String)).toEqual([
      '/memory/a',
      `/memory/b/p2p/${peerId}`,
    ])
  })

  it('rejects an aborted dial with AbortError, before and during connection setup', async () => {
    harness = new Harness({ latency: 50 })
    const { addr } = await harness.listen()
    const controller = new AbortController()
    controller.abort()
    await expect(
      harness.transport.dial(addr, { upgrader: harness.upgrader, signal: controller.signal }),
    ).rejects.toHaveProperty('name', 'AbortError')
    const slow = new AbortController()
    const dial = harness.transport.dial(addr, { upgrader: harness.upgrader, signal: slow.signal })
    await delay(10)
    slow.abort()
    await expect(dial).rejects.toHaveProperty('name', 'AbortError')
    await delay(120)
    expect(harness.upgrader.inboundCalls).toBe(0)
  })

  it('aborts a dial during the upgrade and resets the listener side', async () => {
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
    expect((await inboundClosed).error?.name).toBe('StreamResetError')
  })

  it('delays connection setup and delivery by the latency', async () => {
    harness = new Harness({ latency: 40 })
    const { addr } = await harness.listen()
    const started = Date.now()
    const { outbound, inbound } = await harness.connect(addr)
    expect(Date.now() - started).toBeGreaterThanOrEqual(75)
    let arrived = 0
    inbound.addEventListener('message', () => {
      arrived = Date.now()
    })
    const sent = Date.now()
    outbound.send(bytes(10))
    await waitFor(() => arrived > 0)
    expect(arrived - sent).toBeGreaterThanOrEqual(38)
  })

  it('keeps listeners of different registries apart, and bounds a registry', async () => {
    const registry = new MemoryRegistry(1)
    harness = new Harness({ registry })
    const name = uniqueName()
    await harness.listen(name)
    await expect(harness.listen(uniqueName())).rejects.toHaveProperty('name', 'ListenError')
    const outsider = memory()({ logger: defaultLogger() })
    await expect(
      outsider.dial(multiaddr(`/memory/${name}`), {
        upgrader: new FakeUpgrader(),
        signal: AbortSignal.timeout(1_000),
      }),
    ).rejects.toHaveProperty('name', 'DialError')
  })
})
