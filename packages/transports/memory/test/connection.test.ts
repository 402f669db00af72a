import { multiaddr } from '@multiformats/multiaddr'
import { bytes, closeEvent, eventOnce, type FakeConnection, waitFor } from '@weft/testkit'
import { delay } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import { Harness } from './fixtures/harness.js'

const MiB = 1024 * 1024

function timers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout' || name === 'Immediate').length
}

describe('memory connection', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('reports the FIN as remoteCloseWrite, delivers every byte first, and both ends close cleanly', async () => {
    harness = new Harness({ closeTimeout: 10_000 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    const remoteCloseWrite = eventOnce(inbound, 'remoteCloseWrite')
    const inboundClosed = closeEvent(inbound)
    outbound.send(bytes(1_000_000))
    const started = Date.now()
    await outbound.close()
    await remoteCloseWrite
    expect((await inboundClosed).error).toBeUndefined()
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(received).toBe(1_000_000)
    expect(outbound.status).toBe('closed')
    expect(inbound.status).toBe('closed')
    expect(typeof outbound.timeline.close).toBe('number')
  })

  it('a peer that never reads cannot hold a close past the close timeout', async () => {
    harness = new Harness({ closeTimeout: 100 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    inbound.pause()
    const started = Date.now()
    await outbound.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(outbound.status).toBe('closed')
    // the FIN waited for the reader, as a kernel would keep it
    inbound.resume()
    await waitFor(() => inbound.status === 'closed')
  })

  it('resets the peer on abort, dropping bytes in flight', async () => {
    harness = new Harness({ latency: 20 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    const inboundClosed = closeEvent(inbound)
    outbound.send(bytes(1000))
    outbound.abort(new Error('enough'))
    expect(outbound.status).toBe('aborted')
    expect((await inboundClosed).error?.name).toBe('StreamResetError')
    expect(inbound.status).toBe('reset')
    expect(received).toBe(0)
  })

  it('bounds memory when 64 MiB go to a slow reader', async () => {
    harness = new Harness({ capacity: 256 * 1024 })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const total = 64 * MiB
    const chunk = bytes(64 * 1024, 1)
    let received = 0
    let maxReadBuffer = 0
    const reader = (async () => {
      for await (const data of inbound) {
        received += data.byteLength
        maxReadBuffer = Math.max(maxReadBuffer, inbound.readBufferLength)
        if (received % (4 * MiB) < data.byteLength) await delay(2)
        if (received >= total) break
      }
    })()
    let waits = 0
    let maxHeld = 0
    for (let sent = 0; sent < total; sent += chunk.byteLength) {
      if (!outbound.send(chunk)) {
        waits++
        await outbound.onDrain({ signal: AbortSignal.timeout(10_000) })
      }
      maxHeld = Math.max(maxHeld, outbound.writeBufferLength + outbound.bytesInFlight)
    }
    await reader
    expect(received).toBe(total)
    expect(waits).toBeGreaterThan(0)
    expect(maxHeld).toBeLessThanOrEqual(256 * 1024 + chunk.byteLength)
    expect(maxReadBuffer).toBeLessThanOrEqual(4 * MiB)
  }, 60_000)

  it('holds bytes for a reader that has not attached yet, without overflowing', async () => {
    harness = new Harness({ maxReadBufferLength: 1 * MiB })
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    const total = 8 * MiB
    let sent = 0
    let blocked = false
    const writer = (async () => {
      const chunk = bytes(64 * 1024, 2)
      while (sent < total) {
        sent += chunk.byteLength
        if (!outbound.send(chunk)) {
          blocked = true
          await outbound.onDrain({ signal: AbortSignal.timeout(10_000) })
        }
      }
    })()
    await waitFor(() => blocked)
    await delay(50)
    expect(sent).toBeLessThan(total)
    expect(inbound.status).toBe('open')
    expect(inbound.readBufferLength).toBeLessThanOrEqual(1 * MiB)
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    await writer
    await waitFor(() => received === total, 10_000)
    expect(inbound.status).toBe('open')
  })

  it('pause() holds delivery and resume() releases it', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const { outbound, inbound } = await harness.connect(addr)
    let received = 0
    inbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    inbound.pause()
    outbound.send(bytes(100_000))
    await delay(30)
    expect(received).toBe(0)
    inbound.resume()
    await waitFor(() => received === 100_000)
  })

  it('leaves no timer behind once closed', async () => {
    harness = new Harness({ latency: 5 })
    const { listener, addr } = await harness.listen()
    const before = timers()
    const { outbound, inbound } = await harness.connect(addr)
    inbound.addEventListener('message', (evt) => inbound.send(evt.data))
    let echoed = 0
    outbound.addEventListener('message', (evt) => {
      echoed += evt.data.byteLength
    })
    outbound.send(bytes(10_000))
    await waitFor(() => echoed === 10_000)
    await outbound.close()
    await listener.close()
    await waitFor(() => timers() <= before)
  })

  it('listener close closes its connections, releases the name and emits close', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    const first = await harness.connect(addr)
    const second = await harness.connect(addr)
    const closes = [first.outbound, first.inbound, second.outbound, second.inbound].map(closeEvent)
    const closed = new Promise((resolve) => listener.addEventListener('close', resolve, { once: true }))
    await listener.close()
    await closed
    expect((await Promise.all(closes)).every((evt) => evt.error === undefined)).toBe(true)
    expect(listener.getAddrs()).toEqual([])
    await expect(
      harness.transport.dial(addr, { upgrader: harness.upgrader, signal: AbortSignal.timeout(1_000) }),
    ).rejects.toHaveProperty('name', 'DialError')
    // the name is free again
    const again = harness.transport.createListener({ upgrader: harness.upgrader })
    await again.listen(addr)
    await again.close()
  })

  it('an upgrade failure closes only that connection', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const upgrader = harness.upgrader
    upgrader.inboundError = new Error('upgrade refused')
    const failed = (await harness.transport.dial(addr, {
      upgrader,
      signal: AbortSignal.timeout(1_000),
    })) as FakeConnection
    harness.track(failed.maConn)
    expect((await closeEvent(failed.maConn)).error?.name).toBe('StreamResetError')
    upgrader.inboundError = undefined
    const { outbound, inbound } = await harness.connect(addr)
    let received = 0
    outbound.addEventListener('message', (evt) => {
      received += evt.data.byteLength
    })
    inbound.send(bytes(5))
    await waitFor(() => received === 5)
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

  it('refuses dials beyond maxConnections', async () => {
    harness = new Harness({ maxConnections: 1 })
    const { addr } = await harness.listen()
    await harness.connect(addr)
    await expect(
      harness.transport.dial(multiaddr(addr.toString()), {
        upgrader: harness.upgrader,
        signal: AbortSignal.timeout(1_000),
      }),
    ).rejects.toHaveProperty('name', 'DialError')
  })
})
