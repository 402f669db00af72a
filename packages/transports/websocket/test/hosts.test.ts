/**
 * Two weft hosts (noise, yamux, ping) over @weft/websocket on loopback: /ws
 * and /wss, both dial directions, IPv6, 8 MiB echoed over 16 streams, and a
 * listening host stopped in the middle of transfers.
 */
import type { Stream } from '@libp2p/interface'
import { createHost, type Host } from '@weft/host'
import { noise } from '@weft/noise'
import { type PingService, ping } from '@weft/ping'
import { yamux } from '@weft/yamux'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it } from 'vitest'
import { type WebSocketsInit, webSockets } from '../src/index.js'
import { selfSignedCertificate, tcpHandles, waitFor } from './fixtures/helpers.js'

const ECHO = '/weft-test/echo/1.0.0'
const MiB = 1024 * 1024

type PingHost = Host & { services: { ping: PingService } }

const hosts: Host[] = []
let handlesBefore = 0

afterEach(async () => {
  await Promise.all(hosts.splice(0).map(async (host) => host.stop()))
  // stop() leaves no socket behind
  await waitFor(() => tcpHandles() <= handlesBefore)
})

async function wsHost(listen: string, init: WebSocketsInit = {}): Promise<PingHost> {
  if (hosts.length === 0) handlesBefore = tcpHandles()
  const host = await createHost({
    addresses: { listen: [listen] },
    transports: [webSockets(init)],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { ping: ping() },
  })
  hosts.push(host)
  await host.handle(ECHO, echo, { maxInboundStreams: 64 })
  return host as PingHost
}

async function secureInit(): Promise<WebSocketsInit> {
  const { cert, key } = await selfSignedCertificate()
  return { https: { cert, key }, dialTls: { ca: cert } }
}

async function echo(stream: Stream): Promise<void> {
  try {
    for await (const chunk of stream) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
  } catch (err) {
    stream.abort(err as Error)
  }
}

/** Deterministic payload, different per seed. */
function payload(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
    out[i + 1] = (x >>> 8) & 0xff
    out[i + 2] = (x >>> 16) & 0xff
    out[i + 3] = (x >>> 24) & 0xff
  }
  return out
}

/** Writes `data` with back-pressure, half-closes, and returns what came back. */
async function roundTrip(stream: Stream, data: Uint8Array, chunkSize = 64 * 1024): Promise<Uint8Array> {
  const received = new Uint8ArrayList()
  const reading = (async () => {
    for await (const chunk of stream) received.append(chunk)
  })()
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    if (!stream.send(data.subarray(offset, offset + chunkSize))) await stream.onDrain()
  }
  await stream.close()
  await reading
  return received.subarray()
}

/** 8 MiB echoed over 16 concurrent streams from `dialer` to `listener`. */
async function echoMany(dialer: Host, listener: Host): Promise<void> {
  const streams = 16
  const size = (8 * MiB) / streams
  const results = await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      const data = payload(size, i + 1)
      const stream = await dialer.dialProtocol(listener.peerId, ECHO, { signal: AbortSignal.timeout(30_000) })
      const echoed = await roundTrip(stream, data)
      return echoed.byteLength === size && Buffer.compare(echoed, data) === 0
    }),
  )
  expect(results).toEqual(Array(streams).fill(true))
}

describe.each([
  { name: '/ws', listen: '/ip4/127.0.0.1/tcp/0/ws', secure: false },
  { name: '/wss', listen: '/ip4/127.0.0.1/tcp/0/wss', secure: true },
  { name: '/ws on IPv6', listen: '/ip6/::1/tcp/0/ws', secure: false },
])('two weft hosts over $name', ({ listen, secure }) => {
  it.each(['a dials b', 'b dials a'] as const)(
    '%s: ping both ways and echo 8 MiB over 16 streams',
    async (direction) => {
      const init = secure ? await secureInit() : {}
      const a = await wsHost(listen, init)
      const b = await wsHost(listen, init)
      const [dialer, listener] = direction === 'a dials b' ? [a, b] : [b, a]
      const address = listener.getMultiaddrs()[0]!
      expect(address.toString()).toContain(listen.split('/tcp/')[0])
      expect(address.toString()).toMatch(secure ? /\/wss\/p2p\// : /\/ws\/p2p\//)

      const connection = await dialer.dial(address, { signal: AbortSignal.timeout(10_000) })
      expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
      expect(connection.encryption).toBe('/noise')
      expect(connection.multiplexer).toBe('/yamux/1.0.0')
      expect(await dialer.services.ping.ping(listener.peerId)).toBeGreaterThanOrEqual(0)
      await waitFor(() => listener.getConnections(dialer.peerId).length > 0)
      expect(await listener.services.ping.ping(dialer.peerId)).toBeGreaterThanOrEqual(0)

      await echoMany(dialer, listener)
    },
  )
})

describe('a listening host stopped mid-transfer', () => {
  it('fails the transfers on both sides with named errors, and nothing hangs', async () => {
    const listener = await wsHost('/ip4/127.0.0.1/tcp/0/ws')
    const dialer = await wsHost('/ip4/127.0.0.1/tcp/0/ws')
    const handlerErrors: Error[] = []
    let handlerBytes = 0
    let handlersDone = 0
    await listener.handle('/weft-test/sink/1.0.0', async (stream) => {
      try {
        for await (const chunk of stream) handlerBytes += chunk.byteLength
      } catch (err) {
        handlerErrors.push(err as Error)
      } finally {
        handlersDone++
      }
    })
    const streams = await Promise.all(
      Array.from({ length: 4 }, async () =>
        dialer.dialProtocol(listener.getMultiaddrs()[0]!, '/weft-test/sink/1.0.0'),
      ),
    )
    const chunk = new Uint8Array(64 * 1024)
    const transfers = streams.map(async (stream) => {
      try {
        for (let i = 0; i < 4096; i++) {
          if (!stream.send(chunk)) await stream.onDrain({ signal: AbortSignal.timeout(10_000) })
        }
        return undefined
      } catch (err) {
        return err as Error
      }
    })
    await waitFor(() => handlerBytes > 2 * MiB, 10_000)
    await listener.stop()
    const dialerErrors = await Promise.all(transfers)
    // the dialer: every transfer failed, with an error that names its condition
    for (const err of dialerErrors) {
      expect(err).toBeInstanceOf(Error)
      expect(err?.name).toMatch(
        /^(StreamResetError|StreamClosedError|StreamStateError|MuxerClosedError|ConnectionClosedError)$/,
      )
    }
    // the listener: every handler's read ended (the host closed its streams), none hangs;
    // any error it saw names its condition
    await waitFor(() => handlersDone === streams.length)
    for (const err of handlerErrors) expect(err.name).not.toBe('Error')
    await waitFor(() => dialer.getConnections().length === 0)
    expect(streams.every((stream) => stream.status !== 'open')).toBe(true)
  })
})
