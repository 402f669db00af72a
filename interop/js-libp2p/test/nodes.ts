/** Builders for the two sides of the interop tests: a weft host and a js-libp2p node. */
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import { identify as jsIdentify } from '@libp2p/identify'
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

export type MuxerName = 'yamux' | 'mplex'

export const WEFT_AGENT = 'weft-interop/1.0.0'
export const JS_AGENT = 'js-libp2p-interop/1.0.0'

export async function weftNode(muxer: MuxerName) {
  return createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [muxer === 'yamux' ? yamux() : mplex()],
    nodeInfo: { name: 'weft-interop', version: '1.0.0', userAgent: WEFT_AGENT },
    services: { identify: identify(), ping: ping() },
  })
}

export async function jsNode(muxer: MuxerName) {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [jsTcp()],
    connectionEncrypters: [jsNoise()],
    // js mplex aborts the whole connection when the remote opens more than
    // `disconnectThreshold` (default 5) streams per second, whatever its
    // stream limits (@libp2p/mplex 12, mplex.js handleMessage); 16 concurrent
    // echo streams need more
    streamMuxers: [muxer === 'yamux' ? jsYamux() : jsMplex({ disconnectThreshold: 100 })],
    nodeInfo: { name: 'js-libp2p-interop', version: '1.0.0', userAgent: JS_AGENT },
    // js-libp2p accepts only 5 inbound connections per second per host by default
    connectionManager: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 100 },
    services: { identify: jsIdentify(), ping: jsPing() },
  })
}
