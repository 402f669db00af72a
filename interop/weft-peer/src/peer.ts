#!/usr/bin/env node
/**
 * weft's peer for the interop matrix: a weft host configured from environment
 * variables (see `harness.ts` and interop/runner/README.md), run by `interop/runner`.
 *
 * ```sh
 * transport=tcp security=tls muxer=yamux is_dialer=false node interop/weft-peer/dist/src/peer.js
 * ```
 */
import { multiaddr } from '@multiformats/multiaddr'
import { createHost, VERSION } from '@weft/host'
import { identify } from '@weft/identify'
import { mplex } from '@weft/mplex'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { quic } from '@weft/quic'
import { tcp } from '@weft/tcp'
import { tls } from '@weft/tls'
import { webSockets } from '@weft/websocket'
import { yamux } from '@weft/yamux'
import { type InteropNode, readConfig, runPeer } from './harness.js'

async function main(): Promise<number> {
  const config = readConfig(process.env)
  const agentVersion = `weft/${VERSION} interop-peer`
  const host = await createHost({
    addresses: { listen: [config.listenAddr] },
    transports: [config.transport === 'quic-v1' ? quic() : config.transport === 'ws' ? webSockets() : tcp()],
    connectionEncrypters: [config.security === 'tls' ? tls() : noise()],
    streamMuxers: [config.muxer === 'yamux' ? yamux() : mplex()],
    nodeInfo: { name: 'weft', version: VERSION, userAgent: agentVersion },
    services: { identify: identify(), ping: ping() },
  })
  try {
    return await runPeer(host as unknown as InteropNode, config, agentVersion, multiaddr, {
      print: (line) => process.stdout.write(`${line}\n`),
      log: (line) => process.stderr.write(`${line}\n`),
    })
  } finally {
    await host.stop()
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `weft peer failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    process.exit(1)
  },
)
