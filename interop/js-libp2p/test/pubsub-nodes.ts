/** Builders for the pubsub interop tests: weft hosts and js-libp2p nodes with gossipsub or floodsub. */
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import { floodsub as jsFloodsub } from '@libp2p/floodsub'
import { gossipsub as jsGossipsub } from '@libp2p/gossipsub'
import { identify as jsIdentify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { tcp as jsTcp } from '@libp2p/tcp'
import { floodsub } from '@weft/floodsub'
import { gossipsub } from '@weft/gossipsub'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { noise } from '@weft/noise'
import { publicKeyMsgId } from '@weft/pubsub'
import { tcp } from '@weft/tcp'
import { yamux } from '@weft/yamux'
import { createLibp2p } from 'libp2p'

export type Router = 'gossipsub' | 'floodsub'

/** What the tests use of either stack's pubsub service. */
export interface PubSubLike extends EventTarget {
  subscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<{ recipients: PeerId[] }>
  getSubscribers(topic: string): PeerId[]
  getMeshPeers?(topic: string): string[]
}

export type PubSubNode = Libp2p<{ pubsub: PubSubLike }>

export async function weftPubSubNode(router: Router): Promise<PubSubNode> {
  const host = await createHost({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      // js-libp2p's gossipsub derives message ids from the public key and seqno
      pubsub:
        router === 'gossipsub'
          ? gossipsub({ msgIdFn: publicKeyMsgId, heartbeatInterval: 200 })
          : floodsub({ msgIdFn: publicKeyMsgId }),
    },
  })
  return host as unknown as PubSubNode
}

export async function jsPubSubNode(router: Router): Promise<PubSubNode> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [jsTcp()],
    connectionEncrypters: [jsNoise()],
    streamMuxers: [jsYamux()],
    connectionManager: { inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 100 },
    services: {
      identify: jsIdentify(),
      pubsub:
        router === 'gossipsub'
          ? jsGossipsub({ heartbeatInterval: 200, allowPublishToZeroTopicPeers: true })
          : jsFloodsub(),
    },
  })
  return node as unknown as PubSubNode
}

export async function waitUntil(check: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
