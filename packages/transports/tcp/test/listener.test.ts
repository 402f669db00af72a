import type { MultiaddrConnection, UpgraderOptions } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { bytes, closeEvent, type FakeConnection, readExact, tcpHandles, waitFor } from '@weft/testkit'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './fixtures/harness.js'

describe('tcp listener', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('emits listening, and on close stops accepting, closes its sockets and emits close', async () => {
    harness = new Harness()
    const listener = harness.transport.createListener({ upgrader: harness.upgrader })
    const listening = new Promise((resolve) =>
      listener.addEventListener('listening', resolve, { once: true }),
    )
    await listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0'))
    await listening
    const addr = listener.getAddrs()[0]

    const first = await harness.connect(addr)
    const second = await harness.connect(addr)
    const closes = [first.outbound, first.inbound, second.outbound, second.inbound].map(closeEvent)
    const closed = new Promise((resolve) => listener.addEventListener('close', resolve, { once: true }))

    const started = Date.now()
    await listener.close()
    await closed
    expect(Date.now() - started).toBeLessThan(1_000)
    const events = await Promise.all(closes)
    expect(events.every((evt) => evt.error === undefined)).toBe(true)
    expect(first.inbound.status).toBe('closed')
    expect(second.outbound.status).toBe('closed')
    expect(listener.getAddrs()).toEqual([])

    await expect(
      harness.transport.dial(addr, { upgrader: harness.upgrader, signal: AbortSignal.timeout(2_000) }),
    ).rejects.toHaveProperty('name', 'DialError')
  })

  it('closes, within its grace, sockets whose peers never answer', async () => {
    harness = new Harness({ closeTimeout: 100 })
    const { listener, addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    // the dialer never reads, and has megabytes queued towards the listener side
    outbound.pause()
    inbound.send(bytes(8 * 1024 * 1024))
    const started = Date.now()
    await listener.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(inbound.status).not.toBe('open')
  })

  it('leaves no TCP handle behind', async () => {
    harness = new Harness()
    await waitFor(() => tcpHandles() === 0)
    const before = tcpHandles()
    const { listener, addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    inbound.addEventListener('message', (evt) => inbound.send(evt.data))
    outbound.send(bytes(1000))
    await readExact(outbound, 1000)
    expect(tcpHandles()).toBe(before + 3)
    await listener.close()
    await waitFor(() => outbound.status !== 'open')
    await waitFor(() => tcpHandles() === before)
  })

  it('an upgrade failure closes only that socket', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    const upgrader = harness.upgrader
    upgrader.upgradeInbound = async () => {
      await delay(50)
      throw new Error('upgrade refused')
    }
    const dialled = (await harness.transport.dial(addr, {
      upgrader,
      signal: AbortSignal.timeout(2_000),
    })) as FakeConnection
    harness.track(dialled.maConn)
    const evt = await closeEvent(dialled.maConn)
    expect(evt.error?.name).toBe('StreamResetError')

    // a synchronous throw is handled too: the dial fails (reset during the
    // handshake) or succeeds and is closed at once
    upgrader.upgradeInbound = (() => {
      throw new Error('sync failure')
    }) as unknown as typeof upgrader.upgradeInbound
    const outcome = await harness.transport
      .dial(addr, { upgrader, signal: AbortSignal.timeout(2_000) })
      .then(async (conn) => {
        harness.track((conn as FakeConnection).maConn)
        await closeEvent((conn as FakeConnection).maConn)
        return 'closed'
      })
      .catch((err: Error) => err.name)
    expect(['closed', 'DialError']).toContain(outcome)

    // the listener still serves
    expect(listener.getAddrs()).toHaveLength(1)
    delete (upgrader as { upgradeInbound?: unknown }).upgradeInbound
    const { outbound, inbound } = await harness.connect(addr)
    inbound.send(bytes(5))
    expect((await readExact(outbound, 5)).byteLength).toBe(5)
  })

  it('aborts inbound upgrades in progress when it closes', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    const upgrading: MultiaddrConnection[] = []
    const upgrader = harness.upgrader
    upgrader.upgradeInbound = async (maConn: MultiaddrConnection, options: UpgraderOptions) => {
      upgrading.push(maConn)
      await new Promise((_, reject) =>
        options.signal.addEventListener('abort', () => reject(options.signal.reason)),
      )
    }
    const dialled = (await harness.transport.dial(addr, {
      upgrader,
      signal: AbortSignal.timeout(2_000),
    })) as FakeConnection
    harness.track(dialled.maConn)
    await waitFor(() => upgrading.length === 1)
    const started = Date.now()
    await listener.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(upgrading[0].status).toBe('aborted')
    await waitFor(() => dialled.maConn.status !== 'open')
  })

  it('leaves a failed upgrade to an upgrader that aborts it: one abort, and no timeout of its own', async () => {
    harness = new Harness()
    const result = await harness.failBothUpgrades()
    expect(result.dialError?.message).toBe('outbound upgrade failed')
    expect(result.aborts).toEqual(['inbound: inbound upgrade failed', 'outbound: outbound upgrade failed'])
    // the listener hands over its shutdown signal: the upgrader bounds the upgrade
    expect(result.inboundTimeoutsAsked).toBe(0)
    expect(result.handedOverSignalAborted).toBe(false)
  })

  it('refuses connections beyond maxConnections', async () => {
    harness = new Harness({ maxConnections: 1 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const extra = (await harness.transport.dial(addr, {
      upgrader: harness.upgrader,
      signal: AbortSignal.timeout(2_000),
    })) as FakeConnection
    harness.track(extra.maConn)
    await closeEvent(extra.maConn)
    await delay(50)
    expect(harness.upgrader.inboundCalls).toBe(1)
    // the first connection is untouched
    inbound.send(bytes(3))
    expect((await readExact(outbound, 3)).byteLength).toBe(3)
  })

  it('close() while binding leaves no server behind', async () => {
    harness = new Harness()
    await waitFor(() => tcpHandles() === 0)
    const listener = harness.transport.createListener({ upgrader: harness.upgrader })
    const listening = listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0')).then(
      () => 'listening',
      (err: Error) => err.name,
    )
    await listener.close()
    // either outcome is fine as long as nothing stays open
    expect(['listening', 'ListenError']).toContain(await listening)
    expect(listener.getAddrs()).toEqual([])
    await waitFor(() => tcpHandles() === 0)
  })

  it('close() before listen() still emits close', async () => {
    harness = new Harness()
    const listener = harness.transport.createListener({ upgrader: harness.upgrader })
    const closed = new Promise((resolve) => listener.addEventListener('close', resolve, { once: true }))
    await listener.close()
    await closed
    await expect(listener.listen(multiaddr('/ip4/127.0.0.1/tcp/0'))).rejects.toHaveProperty(
      'name',
      'ListenError',
    )
  })
})
