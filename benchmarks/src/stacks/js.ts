/** A js-libp2p 3.x node for the benchmarks: the same modules as the weft host, from npm. */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { mplex } from '@libp2p/mplex'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { ECHO_PROTOCOL, echoHandler, jsPerfClient, jsPerfHandler, PERF_PROTOCOL } from '../protocols.js'
import { type BenchNode, CONNECTION_LIMITS, listenAddress, type NodeOptions } from './node.js'
import { loadFactory, MODULES } from './transport-modules.js'

export async function createNode(options: NodeOptions): Promise<BenchNode> {
  const transport = options.transport ?? 'tcp-noise'
  const node = await createLibp2p({
    addresses: { listen: options.listen ? [listenAddress(transport)] : [] },
    transports: [transport === 'quic' ? (await loadFactory(MODULES.jsQuic))() : tcp()],
    connectionEncrypters: [transport === 'tcp-tls' ? (await loadFactory(MODULES.jsTls))() : noise()],
    streamMuxers: [options.muxer === 'yamux' ? yamux() : mplex()],
    // js-libp2p accepts only 5 inbound connections per second per host by default
    connectionManager: { ...CONNECTION_LIMITS, inboundConnectionThreshold: 10_000 },
    // its heartbeat ping queues behind bulk data on mplex (no flow control), times
    // out and aborts the connection mid-transfer; weft has no such monitor
    connectionMonitor: { enabled: false },
    services: { ping: ping() },
  })
  await node.handle(ECHO_PROTOCOL, echoHandler)
  await node.handle(PERF_PROTOCOL, jsPerfHandler, { maxInboundStreams: 32, maxOutboundStreams: 32 })
  return {
    stack: 'js',
    libp2p: node as unknown as Libp2p,
    address: () => node.getMultiaddrs()[0]!,
    dial: (address, opts) => node.dial(address, { ...opts, force: true }),
    ping: async (connection, opts) => {
      await node.services.ping.ping(connection.remotePeer, opts)
    },
    perf: (connection, _target, upload, download, opts) => jsPerfClient(connection, upload, download, opts),
    stop: async () => {
      await node.stop()
    },
  }
}
