/**
 * Cold start, js-libp2p: import, create and start a node with TCP, Noise,
 * yamux, identify and ping listening on loopback, then stop. The orchestrator
 * times this process from spawn to exit.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() },
})
if (node.getMultiaddrs().length === 0) throw new Error('the node is not listening')
await node.stop()
