/**
 * Builders for the DHT interop tests: a weft host and a js-libp2p node, each
 * running its Kademlia DHT in server mode on TCP loopback. js-libp2p's DHT
 * drops private (loopback) addresses by default, so it is given the
 * passthrough mapper.
 */
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import { identify as jsIdentify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { kadDHT as jsKadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping as jsPing } from '@libp2p/ping'
import { tcp as jsTcp } from '@libp2p/tcp'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { kadDHT } from '@weft/kad-dht'
import { noise } from '@weft/noise'
import { ping } from '@weft/ping'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { createLibp2p } from 'libp2p'

export const KAD_PROTOCOL = '/ipfs/kad/1.0.0'

export async function weftDHTNode() {
  return createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { minConnections: 0 },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ clientMode: false, requestTimeout: 5_000, initialRefreshDelay: 200 }),
    },
  })
}

export async function jsDHTNode() {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [jsTcp()],
    connectionEncrypters: [jsNoise()],
    streamMuxers: [jsYamux()],
    connectionManager: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 100 },
    services: {
      identify: jsIdentify(),
      ping: jsPing(),
      dht: jsKadDHT({ clientMode: false, peerInfoMapper: passthroughMapper }),
    },
  })
}

/** Resolves once `node` has identified `peer` and learned that it speaks the DHT. */
export async function waitForDHTPeer(node: Libp2p, peer: PeerId, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    try {
      const info = await node.peerStore.get(peer)
      if (info.protocols.includes(KAD_PROTOCOL)) return
    } catch {
      // not in the peer store yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${node.peerId.toString()} did not learn that ${peer.toString()} speaks ${KAD_PROTOCOL}`)
}
