#!/usr/bin/env node
/**
 * js-libp2p 3.x peer for weft's interop matrix, configured from environment
 * variables like every peer of the matrix (see interop/runner/README.md). The test
 * flow is weft-peer's `harness.ts`, written against @libp2p/interface only,
 * so this program builds the node and hands it over.
 *
 * Node 20 needs the Promise.withResolvers polyfill and, for ws, the global
 * WebSocket:
 *
 * ```sh
 * node --import ./interop/polyfill.mjs --experimental-websocket interop/js-libp2p/peer.mjs
 * ```
 *
 * `security=tls` uses `@libp2p/tls` (a devDependency of this package), loaded
 * only for those cells. `transport=quic-v1` uses `@chainsafe/libp2p-quic` (a
 * Rust/quinn binding), also loaded only for those cells; QUIC brings its own
 * security and multiplexing, so `security` and `muxer` are ignored for it.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { mplex } from '@libp2p/mplex'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { version } from 'libp2p/version'
import { readConfig, runPeer } from '../weft-peer/dist/src/harness.js'

const config = readConfig(process.env)
const agentVersion = `js-libp2p/${version} interop-peer`

/** The one encrypter the case asks for. */
async function encrypter() {
  if (config.security !== 'tls') return noise()
  const { tls } = await import('@libp2p/tls')
  return tls()
}

/** The transport, encrypter and muxer the case asks for (QUIC needs neither of the last two). */
async function stack() {
  if (config.transport === 'quic-v1') {
    const { quic } = await import('@chainsafe/libp2p-quic')
    return { transports: [quic()], connectionEncrypters: [], streamMuxers: [] }
  }
  return {
    transports: [config.transport === 'ws' ? webSockets() : tcp()],
    connectionEncrypters: [await encrypter()],
    // js mplex closes a connection whose remote opens more than
    // `disconnectThreshold` (5) streams a second; identify, push, ping and
    // echo can exceed that at connection start
    streamMuxers: [config.muxer === 'yamux' ? yamux() : mplex({ disconnectThreshold: 100 })],
  }
}

async function main() {
  const node = await createLibp2p({
    addresses: { listen: [config.listenAddr] },
    ...(await stack()),
    nodeInfo: { name: 'js-libp2p', version, userAgent: agentVersion },
    services: { identify: identify(), ping: ping() },
  })
  try {
    return await runPeer(node, config, agentVersion, multiaddr, {
      print: (line) => process.stdout.write(`${line}\n`),
      log: (line) => process.stderr.write(`${line}\n`),
    })
  } finally {
    await node.stop()
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`js-libp2p peer failed: ${err?.stack ?? err}\n`)
    process.exit(1)
  },
)
