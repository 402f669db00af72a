/**
 * The transport helpers against a tiny in-test transport made of
 * `streamPair()`s (testkit depends on no real transport).
 */
import {
  type CreateListenerOptions,
  type DialTransportOptions,
  type Listener,
  type MultiaddrConnection,
  type Transport,
  TypedEventEmitter,
  transportSymbol,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { streamPair } from '@weft/utils'
import { afterEach, describe, expect, it } from 'vitest'
import {
  bytes,
  closeEvent,
  eventOnce,
  type FakeConnection,
  FakeUpgrader,
  readExact,
  TransportHarness,
  tcpHandles,
  waitFor,
} from '../src/index.js'

const listening = new Map<string, CreateListenerOptions>()

function pairTransport(): Transport {
  return {
    [Symbol.toStringTag]: 'pair-transport',
    [transportSymbol]: true,
    async dial(ma: Multiaddr, options: DialTransportOptions) {
      const listener = listening.get(ma.toString())
      if (listener == null) throw new Error(`nobody listens on ${ma.toString()}`)
      const [outbound, inbound] = streamPair({ remoteAddr: ma })
      await listener.upgrader.upgradeInbound(inbound, { signal: options.signal! })
      return options.upgrader.upgradeOutbound(outbound, { signal: options.signal! })
    },
    createListener(options: CreateListenerOptions): Listener {
      let address: Multiaddr | undefined
      const listener = Object.assign(new TypedEventEmitter(), {
        async listen(ma: Multiaddr) {
          address = ma
          listening.set(ma.toString(), options)
        },
        getAddrs: () => (address == null ? [] : [address]),
        updateAnnounceAddrs() {},
        async close() {
          if (address != null) listening.delete(address.toString())
        },
      })
      return listener as unknown as Listener
    },
    listenFilter: (addrs: Multiaddr[]) => addrs,
    dialFilter: (addrs: Multiaddr[]) => addrs,
  } as unknown as Transport
}

class Harness extends TransportHarness {
  constructor() {
    super(pairTransport(), '/memory/testkit-default')
  }

  get tracked(): MultiaddrConnection[] {
    return this.connections
  }
}

let harness: Harness | undefined

afterEach(async () => {
  await harness?.cleanup()
  harness = undefined
})

describe('TransportHarness', () => {
  it('listens on the default address, connects, and hands back both raw ends', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    expect(addr.toString()).toBe('/memory/testkit-default')
    const { outbound, inbound } = await harness.connect(addr)
    expect(outbound.direction).toBe('outbound')
    expect(inbound.direction).toBe('inbound')
    outbound.send(bytes(4, 9))
    expect((await readExact(inbound, 4)).subarray()).toEqual(bytes(4, 9))
    expect(harness.upgrader.inboundCalls).toBe(1)
  })

  it('listens on a given address, string or multiaddr', async () => {
    harness = new Harness()
    expect((await harness.listen('/memory/a')).addr.toString()).toBe('/memory/a')
    expect((await harness.listen(multiaddr('/memory/b'))).addr.toString()).toBe('/memory/b')
  })

  it('aborts every connection, tracked ones too, and closes listeners on cleanup', async () => {
    const local = new Harness()
    const { addr } = await local.listen()
    const { outbound, inbound } = await local.connect(addr)
    const [extra] = streamPair()
    local.track(extra)
    expect(local.tracked).toEqual([outbound, inbound, extra])
    const closed = closeEvent(outbound)
    await local.cleanup()
    expect((await closed).error?.message).toBe('test over')
    expect([outbound.status, inbound.status, extra.status]).toEqual(['aborted', 'aborted', 'aborted'])
    await expect(local.connect(addr)).rejects.toThrow(/nobody listens/)
  })
})

describe('FakeUpgrader', () => {
  const options = { signal: new AbortController().signal }

  it('queues inbound connections for nextInbound, in order, and waits when none is queued', async () => {
    const upgrader = new FakeUpgrader()
    const [a, b] = streamPair()
    const [c] = streamPair()
    await upgrader.upgradeInbound(a, options)
    await upgrader.upgradeInbound(b, options)
    expect(await upgrader.nextInbound()).toBe(a)
    expect(await upgrader.nextInbound()).toBe(b)
    const waiting = upgrader.nextInbound()
    await upgrader.upgradeInbound(c, options)
    expect(await waiting).toBe(c)
    expect(upgrader.inboundCalls).toBe(3)
  })

  it('fails inbound upgrades on demand and runs beforeOutbound', async () => {
    const upgrader = new FakeUpgrader()
    upgrader.inboundError = new Error('refused')
    const [a, b] = streamPair()
    await expect(upgrader.upgradeInbound(b, options)).rejects.toThrow('refused')
    const seen: MultiaddrConnection[] = []
    upgrader.beforeOutbound = async (maConn) => {
      seen.push(maConn)
    }
    const connection = (await upgrader.upgradeOutbound(a, options)) as FakeConnection
    expect(seen).toEqual([a])
    expect(connection.maConn).toBe(a)
    expect(connection.remoteAddr).toBe(a.remoteAddr)
    expect(connection.status).toBe('open')
    await connection.close() // a stream pair end half-closes, as a muxed stream does
    expect(a.writeStatus).toBe('closed')
    connection.abort(new Error('done'))
    expect(connection.status).toBe('aborted')
    expect(upgrader.getStreamMuxers().size).toBe(0)
    expect(upgrader.getConnectionEncrypters().size).toBe(0)
    const signal = upgrader.createInboundAbortSignal(new AbortController().signal)
    expect(signal.aborted).toBe(false)
    signal.clear()
  })
})

describe('connection helpers', () => {
  it('waitFor polls until the predicate holds, and gives up after the deadline', async () => {
    let ready = false
    setTimeout(() => {
      ready = true
    }, 20)
    await waitFor(() => ready, 2_000, 5)
    await expect(waitFor(() => false, 30)).rejects.toThrow(/within 30 ms/)
  })

  it('eventOnce resolves on the event, and readExact returns extra bytes to the stream', async () => {
    const [a, b] = streamPair()
    const ended = eventOnce(b, 'remoteCloseWrite')
    a.send(Uint8Array.of(1, 2, 3, 4))
    expect((await readExact(b, 2)).subarray()).toEqual(Uint8Array.of(1, 2))
    expect((await readExact(b, 2)).subarray()).toEqual(Uint8Array.of(3, 4))
    await a.close()
    await ended
  })

  it('counts no TCP handles in a process that opened none here', () => {
    expect(tcpHandles()).toBeGreaterThanOrEqual(0)
    expect(bytes(3)).toEqual(Uint8Array.of(7, 7, 7))
  })
})
