/** A weft host for the benchmarks: TCP, Noise, one muxer, ping, perf and the echo protocol. */
import type { Libp2p } from '@libp2p/interface'
import { createHost } from '@weft/host'
import { mplex } from '@weft/mplex'
import { noise } from '@weft/noise'
import { perf } from '@weft/perf'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { ECHO_PROTOCOL, echoHandler } from '../protocols.js'
import { type BenchNode, CONNECTION_LIMITS, listenAddress, type NodeOptions, WEFT_RESOURCES } from './node.js'
import { loadFactory, MODULES } from './transport-modules.js'

export async function createNode(options: NodeOptions): Promise<BenchNode> {
  const transport = options.transport ?? 'tcp-noise'
  const host = await createHost({
    addresses: { listen: options.listen ? [listenAddress(transport)] : [] },
    transports: [transport === 'quic' ? (await loadFactory(MODULES.weftQuic))() : tcp()],
    connectionEncrypters: [transport === 'tcp-tls' ? (await loadFactory(MODULES.weftTls))() : noise()],
    streamMuxers: [options.muxer === 'yamux' ? yamux() : mplex()],
    connectionManager: CONNECTION_LIMITS,
    resources: WEFT_RESOURCES,
    services: { ping: ping(), perf: perf() },
  })
  await host.handle(ECHO_PROTOCOL, echoHandler)
  return {
    stack: 'weft',
    libp2p: host as unknown as Libp2p,
    address: () => host.getMultiaddrs()[0]!,
    dial: (address, opts) => host.dial(address, { ...opts, force: true }),
    ping: async (connection, opts) => {
      await host.services.ping.ping(connection.remotePeer, opts)
    },
    perf: async (_connection, target, upload, download, opts) => {
      // over the connection already open to `target`: the time is stream open to end of exchange
      for await (const output of host.services.perf.measurePerformance(target, upload, download, {
        ...opts,
        reuseExistingConnection: true,
      })) {
        if (output.type === 'final') return output.timeSeconds
      }
      throw new Error('the perf measurement ended without a final report')
    },
    stop: () => host.stop(),
  }
}
