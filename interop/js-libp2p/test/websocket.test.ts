/**
 * weft ⇄ js-libp2p 3.x over WebSocket (issue 5, acceptance 4): weft's
 * @weft/websocket against js-libp2p's @libp2p/websockets, with Noise and
 * yamux, in both dial directions, over /ws and /wss: connect, ping each way,
 * echo 8 MiB over 16 streams.
 *
 * js-libp2p dials through the global `WebSocket` (undici in Node), which Node
 * 20 and 21 expose only with `--experimental-websocket` (vitest.config.ts
 * adds the flag to this project there). For /wss the js-libp2p dialer cannot
 * be handed a CA: undici reads the process' trust store, so that one case
 * turns certificate checks off for its duration with
 * NODE_TLS_REJECT_UNAUTHORIZED=0, and restores the setting after.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import { identify as jsIdentify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { ping as jsPing } from '@libp2p/ping'
import { webSockets as jsWebSockets } from '@libp2p/websockets'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { webSockets } from '@weft/websocket'
import { yamux } from '@weft/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ECHO_PROTOCOL, echoHandler, echoRoundTrip, payload } from './echo.js'
import { JS_AGENT, WEFT_AGENT } from './nodes.js'

const STREAMS = 16
const SIZE = (8 * 1024 * 1024) / STREAMS

type PingCapable = Libp2p<{ ping: { ping: (peer: PeerId) => Promise<number> } }>

interface Certificate {
  cert: string
  key: string
}

/** A throwaway self-signed certificate for 127.0.0.1, made with openssl in a temporary directory. */
async function selfSignedCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-interop-cert-'))
  try {
    const keyFile = join(dir, 'key.pem')
    const certFile = join(dir, 'cert.pem')
    await promisify(execFile)(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { timeout: 20_000 },
    )
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function weftNode(listen: string, certificate?: Certificate) {
  return createHost({
    addresses: { listen: [listen] },
    transports: [
      webSockets(
        certificate == null
          ? {}
          : { https: { cert: certificate.cert, key: certificate.key }, dialTls: { ca: certificate.cert } },
      ),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    nodeInfo: { name: 'weft-interop', version: '1.0.0', userAgent: WEFT_AGENT },
    services: { identify: identify(), ping: ping() },
  })
}

async function jsNode(listen: string, certificate?: Certificate) {
  return createLibp2p({
    addresses: { listen: [listen] },
    transports: [
      jsWebSockets(certificate == null ? {} : { https: { cert: certificate.cert, key: certificate.key } }),
    ],
    connectionEncrypters: [jsNoise()],
    streamMuxers: [jsYamux()],
    nodeInfo: { name: 'js-libp2p-interop', version: '1.0.0', userAgent: JS_AGENT },
    // js-libp2p accepts only 5 inbound connections per second per host by default
    connectionManager: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 100 },
    services: { identify: jsIdentify(), ping: jsPing() },
  })
}

/** Runs `fn` with TLS certificate checks off for undici's WebSocket, then restores the setting. */
async function withoutCertificateChecks<T>(fn: () => Promise<T>): Promise<T> {
  const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'
  try {
    return await fn()
  } finally {
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous
  }
}

describe.each([
  { transport: '/ws', listen: '/ip4/127.0.0.1/tcp/0/ws', secure: false },
  { transport: '/wss', listen: '/ip4/127.0.0.1/tcp/0/wss', secure: true },
])('weft ⇄ js-libp2p over $transport/noise/yamux', ({ listen, secure }) => {
  const nodes: Libp2p[] = []
  let certificate: Certificate | undefined

  beforeAll(async () => {
    if (secure) certificate = await selfSignedCertificate()
  })

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop()))
  })

  it.each(['weft dials js', 'js dials weft'] as const)(
    '%s: ping both ways, echo 8 MiB over 16 streams',
    async (direction) => {
      const weft = await weftNode(listen, certificate)
      const js = await jsNode(listen, certificate)
      nodes.push(weft as unknown as Libp2p, js as unknown as Libp2p)
      await weft.handle(ECHO_PROTOCOL, echoHandler)
      await js.handle(ECHO_PROTOCOL, echoHandler)

      const weftPeer = weft as unknown as PingCapable
      const jsLibp2p = js as unknown as PingCapable
      const [dialer, listener] = direction === 'weft dials js' ? [weftPeer, jsLibp2p] : [jsLibp2p, weftPeer]
      // js-libp2p writes its secure listener as /tls/ws, weft as it was asked: /wss
      const address = listener.getMultiaddrs()[0]
      const pattern = secure ? /\/(wss|tls\/ws)(\/p2p\/|$)/ : /\/tcp\/\d+\/ws(\/p2p\/|$)/
      expect(address?.toString()).toMatch(pattern)

      const run = async (): Promise<void> => {
        const connection = await dialer.dial(address!, { signal: AbortSignal.timeout(20_000) })
        expect(connection.remotePeer.equals(listener.peerId)).toBe(true)
        expect(connection.remoteAddr.toString()).toMatch(pattern)
        expect(connection.encryption).toBe('/noise')
        expect(connection.multiplexer).toBe('/yamux/1.0.0')
        expect(await dialer.services.ping.ping(listener.peerId)).toBeGreaterThanOrEqual(0)
        expect(await listener.services.ping.ping(dialer.peerId)).toBeGreaterThanOrEqual(0)

        const results = await Promise.all(
          Array.from({ length: STREAMS }, async (_, i) => {
            const data = payload(SIZE, i + 1)
            const stream = await dialer.dialProtocol(listener.peerId, ECHO_PROTOCOL)
            const echoed = await echoRoundTrip(stream, data)
            return Buffer.compare(echoed, data) === 0 && echoed.byteLength === SIZE
          }),
        )
        expect(results).toEqual(Array(STREAMS).fill(true))
      }
      // js-libp2p's dialer (undici) cannot be handed our CA
      if (secure && direction === 'js dials weft') await withoutCertificateChecks(run)
      else await run()
    },
  )
})
