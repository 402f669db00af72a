/**
 * The browser build (index.browser.ts) run in Node against the Node
 * listener. `ws`'s WebSocket class, which follows the WHATWG API the browser
 * driver uses (addEventListener, binaryType 'arraybuffer', bufferedAmount,
 * close codes), stands in for the browser's; the real browser is driven by
 * examples/browser-chat.
 */

import { multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { noise } from '@weft/noise'
import { type PingService, ping } from '@weft/ping'
import type { FakeConnection } from '@weft/testkit'
import { defaultLogger } from '@weft/utils'
import { yamux } from '@weft/yamux'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { webSockets as browserWebSockets, type StandardWebSocket } from '../src/index.browser.js'
import { webSockets } from '../src/index.js'
import { bytes, closeEvent, Harness, readExact, waitFor } from './fixtures/helpers.js'

const StandIn = WebSocket as unknown as new (url: string) => StandardWebSocket

/** A harness whose dialing transport is the browser build. */
function browserDialer(init: Parameters<typeof browserWebSockets>[0] = {}) {
  const transport = browserWebSockets({ webSocketClass: StandIn, ...init })({ logger: defaultLogger() })
  return transport
}

describe('the browser build', () => {
  let harness: Harness

  afterEach(async () => {
    await harness.cleanup()
  })

  it('does not listen', () => {
    harness = new Harness()
    const transport = browserDialer()
    expect(transport.listenFilter([multiaddr('/ip4/127.0.0.1/tcp/0/ws')])).toEqual([])
    expect(() => transport.createListener({ upgrader: harness.upgrader })).toThrow(
      expect.objectContaining({ name: 'UnsupportedOperationError' }),
    )
    expect(transport.dialFilter([multiaddr('/dns4/example.com/tcp/443/wss')])).toHaveLength(1)
  })

  it('dials a Node listener and sends 16 MiB, with back-pressure found by polling bufferedAmount', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const transport = browserDialer({ maxBufferedAmount: 64 * 1024, bufferedAmountPollInterval: 2 })
    const connection = (await transport.dial(addr, {
      upgrader: harness.upgrader,
      signal: AbortSignal.timeout(5_000),
    })) as FakeConnection
    const outbound = connection.maConn
    harness.track(outbound)
    const inbound = await harness.upgrader.nextInbound()
    harness.track(inbound)
    // the listener reads nothing for a while: the socket fills up, then bufferedAmount
    inbound.pause()
    const received = new Uint8ArrayList()
    inbound.addEventListener('message', (evt) => received.append(evt.data))
    const total = 16 * 1024 * 1024
    let backPressured = 0
    const sending = (async () => {
      for (let sent = 0; sent < total; sent += 64 * 1024) {
        if (!outbound.send(bytes(64 * 1024, 8))) {
          backPressured++
          await outbound.onDrain({ signal: AbortSignal.timeout(10_000) })
        }
      }
    })()
    await waitFor(() => backPressured > 0, 10_000)
    inbound.resume()
    await sending
    await waitFor(() => received.byteLength === total, 20_000)
    expect(received.get(total - 1)).toBe(8)
  })

  it('closes cleanly with 1000 and sees the listener shutting down as a clean close', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    const transport = browserDialer()
    const dial = async () => {
      const connection = (await transport.dial(addr, {
        upgrader: harness.upgrader,
        signal: AbortSignal.timeout(5_000),
      })) as FakeConnection
      harness.track(connection.maConn)
      const inbound = await harness.upgrader.nextInbound()
      harness.track(inbound)
      return { outbound: connection.maConn, inbound }
    }
    const first = await dial()
    const inboundClosed = closeEvent(first.inbound)
    await first.outbound.close()
    expect((await inboundClosed).error).toBeUndefined()
    expect(first.outbound.status).toBe('closed')

    const second = await dial()
    second.inbound.send(bytes(10))
    expect((await readExact(second.outbound, 10)).byteLength).toBe(10)
    const outboundClosed = closeEvent(second.outbound)
    await listener.close()
    expect((await outboundClosed).error).toBeUndefined()
  })

  it('sends its abort as code 4000', async () => {
    harness = new Harness()
    const { addr } = await harness.listen()
    const connection = (await browserDialer().dial(addr, {
      upgrader: harness.upgrader,
      signal: AbortSignal.timeout(5_000),
    })) as FakeConnection
    harness.track(connection.maConn)
    const inbound = await harness.upgrader.nextInbound()
    harness.track(inbound)
    const inboundClosed = closeEvent(inbound)
    connection.maConn.abort(new Error('page closed'))
    expect((await inboundClosed).error?.message).toMatch(/code 4000 \(aborted\)/)
  })

  it('fails a refused dial with a DialError, and an aborted one with the abort reason', async () => {
    harness = new Harness()
    const { listener, addr } = await harness.listen()
    await listener.close()
    const transport = browserDialer()
    const refused = await transport
      .dial(addr, { upgrader: harness.upgrader, signal: AbortSignal.timeout(5_000) })
      .catch((e: unknown) => e)
    expect(refused).toMatchObject({ name: 'DialError' })
    expect((refused as Error).message).toMatch(/closed while opening, code 1006/)

    const { addr: live } = await harness.listen()
    const controller = new AbortController()
    const dial = transport.dial(live, { upgrader: harness.upgrader, signal: controller.signal })
    controller.abort()
    await expect(dial).rejects.toHaveProperty('name', 'AbortError')
  })
})

describe('a browser-build host dialing a Node host', () => {
  const hosts: Host[] = []
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
  })

  it('connects with noise and yamux, pings, and exchanges messages both ways', async () => {
    const server = await createHost({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { ping: ping() },
    })
    const page = await createHost({
      transports: [browserWebSockets({ webSocketClass: StandIn })],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { ping: ping() },
    })
    hosts.push(server, page)
    expect(page.getMultiaddrs()).toEqual([])
    await server.handle('/chat/1.0.0', async (stream) => {
      for await (const chunk of stream)
        stream.send(new Uint8ArrayList(new TextEncoder().encode('re: '), chunk))
      await stream.close()
    })
    const rtt = await (page as Host & { services: { ping: PingService } }).services.ping.ping(
      server.getMultiaddrs()[0]!,
    )
    expect(rtt).toBeGreaterThanOrEqual(0)
    const stream = await page.dialProtocol(server.peerId, '/chat/1.0.0')
    stream.send(new TextEncoder().encode('hello from the page'))
    await stream.close()
    const reply = new Uint8ArrayList()
    for await (const chunk of stream) reply.append(chunk)
    expect(new TextDecoder().decode(reply.subarray())).toBe('re: hello from the page')
  })
})
