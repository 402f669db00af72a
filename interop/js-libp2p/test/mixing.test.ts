/**
 * Mixing modules across stacks, over TCP on loopback (issue 4, point 2):
 *
 * - js-libp2p's `createLibp2p` built with weft's `tcp()`, `noise()` and
 *   `yamux()` or `mplex()` talks to a stock js-libp2p node and to a weft host;
 * - weft's `createHost` built with js-libp2p's `@libp2p/tcp`,
 *   `@chainsafe/libp2p-noise` and `@chainsafe/libp2p-yamux` talks to a weft host.
 *
 * Every pairing is tried in both dial directions: ping each way, then echo
 * over several streams.
 */
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import { identify as jsIdentify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { mplex as jsMplex } from '@libp2p/mplex'
import { ping as jsPing } from '@libp2p/ping'
import { tcp as jsTcp } from '@libp2p/tcp'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { mplex } from '@weft/mplex'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { ECHO_PROTOCOL, echoHandler, echoRoundTrip, payload } from './echo.js'
import { type MuxerName, weftNode } from './nodes.js'

const LISTEN = ['/ip4/127.0.0.1/tcp/0']
const MULTIPLEXER: Record<MuxerName, string> = { yamux: '/yamux/1.0.0', mplex: '/mplex/6.7.0' }

/**
 * js-libp2p accepts 5 inbound connections per second per remote host and 10
 * pending upgrades by default; every test here dials from 127.0.0.1.
 */
const JS_CONNECTION_MANAGER = { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 100 }

/**
 * Echo load per muxer. js mplex resets the connection when the remote opens
 * more than 5 streams a second (its `disconnectThreshold`); identify and ping
 * already open three, so mplex pairings echo on two streams opened one after
 * the other. yamux has flow control and takes concurrent streams.
 */
const ECHO: Record<MuxerName, { streams: number; size: number; concurrent: boolean }> = {
  yamux: { streams: 4, size: 256 * 1024, concurrent: true },
  mplex: { streams: 2, size: 32 * 1024, concurrent: false },
}

interface PingService {
  ping(peer: Libp2p['peerId']): Promise<number>
}
type Node = Libp2p<{ ping: PingService }>

/** js-libp2p with weft's transport, encrypter and muxer. */
async function jsWithWeftModules(muxer: MuxerName): Promise<Node> {
  return createLibp2p({
    addresses: { listen: LISTEN },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [muxer === 'yamux' ? yamux() : mplex()],
    connectionManager: JS_CONNECTION_MANAGER,
    services: { identify: jsIdentify(), ping: jsPing() },
  })
}

/** js-libp2p as shipped. */
async function stockJs(muxer: MuxerName): Promise<Node> {
  return createLibp2p({
    addresses: { listen: LISTEN },
    transports: [jsTcp()],
    connectionEncrypters: [jsNoise()],
    streamMuxers: [muxer === 'yamux' ? jsYamux() : jsMplex()],
    connectionManager: JS_CONNECTION_MANAGER,
    services: { identify: jsIdentify(), ping: jsPing() },
  })
}

/** A weft host with js-libp2p's transport, encrypter and muxer. */
async function weftWithJsModules(): Promise<Node> {
  const host = await createHost({
    addresses: { listen: LISTEN },
    transports: [jsTcp()],
    connectionEncrypters: [jsNoise()],
    streamMuxers: [jsYamux()],
    services: { identify: identify(), ping: ping() },
  })
  return host as unknown as Node
}

async function weftHost(muxer: MuxerName): Promise<Node> {
  return (await weftNode(muxer)) as unknown as Node
}

const running: Node[] = []

async function start(build: () => Promise<Node>): Promise<Node> {
  const node = await build()
  running.push(node)
  await node.handle(ECHO_PROTOCOL, echoHandler)
  return node
}

/** Connects, pings both ways and echoes; `dialer` opens every stream. */
async function talk(dialer: Node, listener: Node, muxer: MuxerName): Promise<void> {
  const connection = await dialer.dial(listener.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(10_000) })
  expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
  expect(connection.encryption).toBe('/noise')
  expect(connection.multiplexer).toBe(MULTIPLEXER[muxer])

  expect(await dialer.services.ping.ping(listener.peerId)).toBeGreaterThanOrEqual(0)
  expect(await listener.services.ping.ping(dialer.peerId)).toBeGreaterThanOrEqual(0)

  const { streams, size, concurrent } = ECHO[muxer]
  const roundTrip = async (i: number): Promise<boolean> => {
    const data = payload(size, i + 1)
    const stream = await dialer.dialProtocol(listener.peerId, ECHO_PROTOCOL, {
      signal: AbortSignal.timeout(10_000),
    })
    const echoed = await echoRoundTrip(stream, data)
    return echoed.byteLength === size && Buffer.compare(echoed, data) === 0
  }
  const results: boolean[] = []
  if (concurrent) {
    results.push(...(await Promise.all(Array.from({ length: streams }, (_, i) => roundTrip(i)))))
  } else {
    for (let i = 0; i < streams; i++) results.push(await roundTrip(i))
  }
  expect(results).toEqual(Array(streams).fill(true))
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop()))
})

describe.each(['yamux', 'mplex'] as const)('js-libp2p with weft tcp, noise and %s', (muxer) => {
  it('dials a stock js-libp2p node', async () => {
    const mixed = await start(() => jsWithWeftModules(muxer))
    const stock = await start(() => stockJs(muxer))
    await talk(mixed, stock, muxer)
  })

  it('is dialled by a stock js-libp2p node', async () => {
    const mixed = await start(() => jsWithWeftModules(muxer))
    const stock = await start(() => stockJs(muxer))
    await talk(stock, mixed, muxer)
  })

  it('dials a weft host', async () => {
    const mixed = await start(() => jsWithWeftModules(muxer))
    const host = await start(() => weftHost(muxer))
    await talk(mixed, host, muxer)
  })

  it('is dialled by a weft host', async () => {
    const mixed = await start(() => jsWithWeftModules(muxer))
    const host = await start(() => weftHost(muxer))
    await talk(host, mixed, muxer)
  })
})

describe('weft host with js-libp2p tcp, noise and yamux', () => {
  it('dials a weft host', async () => {
    const mixed = await start(weftWithJsModules)
    const host = await start(() => weftHost('yamux'))
    await talk(mixed, host, 'yamux')
  })

  it('is dialled by a weft host', async () => {
    const mixed = await start(weftWithJsModules)
    const host = await start(() => weftHost('yamux'))
    await talk(host, mixed, 'yamux')
  })
})
