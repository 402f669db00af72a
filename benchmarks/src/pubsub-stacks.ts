/**
 * The two stacks of the pubsub benchmark, built the same way: N hosts on the
 * in-memory transport with noise, yamux, identify and gossipsub (defaults of
 * each implementation), behind one small interface.
 */
import { noise as jsNoise } from '@chainsafe/libp2p-noise'
import { yamux as jsYamux } from '@chainsafe/libp2p-yamux'
import { gossipsub as jsGossipsub } from '@libp2p/gossipsub'
import { identify as jsIdentify } from '@libp2p/identify'
import { memory as jsMemory } from '@libp2p/memory'
import { multiaddr } from '@multiformats/multiaddr'
import { type GossipSub, gossipsub } from '@weft/gossipsub'
import { createHost } from '@weft/host'
import { identify } from '@weft/identify'
import { memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { yamux } from '@weft/yamux'
import { createLibp2p } from 'libp2p'

export type PubSubStack = 'weft' | 'js'

export interface SimHost {
  address: string
  subscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<unknown>
  onMessage(handler: (topic: string, data: Uint8Array) => void): void
  dial(address: string): Promise<void>
  subscribers(topic: string): number
  meshPeers(topic: string): number
  /** message copies received so far, duplicates included */
  copiesReceived(): number
  /** counters worth a look after a run (weft only) */
  diagnostics?(): Record<string, number>
  stop(): Promise<void>
}

interface EventSource {
  addEventListener(type: 'message', handler: (evt: Event) => void): void
}

function messageListener(pubsub: EventSource, handler: (topic: string, data: Uint8Array) => void): void {
  pubsub.addEventListener('message', (evt) => {
    const detail = (evt as CustomEvent<{ topic: string; data: Uint8Array }>).detail
    handler(detail.topic, detail.data)
  })
}

export async function weftHost(name: string): Promise<SimHost> {
  const host = await createHost({
    addresses: { listen: [`/memory/${name}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, ...weftOptions() }),
    },
  })
  const pubsub = host.services.pubsub as GossipSub
  return {
    address: `/memory/${name}/p2p/${host.peerId}`,
    subscribe: (topic) => pubsub.subscribe(topic),
    publish: (topic, data) => pubsub.publish(topic, data),
    onMessage: (handler) => messageListener(pubsub, handler),
    dial: async (address) => {
      await host.dial(multiaddr(address))
    },
    subscribers: (topic) => pubsub.getSubscribers(topic).length,
    meshPeers: (topic) => pubsub.getMeshPeers(topic).length,
    copiesReceived: () => pubsub.counters.received,
    diagnostics: () => ({
      droppedForLoad: pubsub.counters.droppedForLoad,
      droppedRpcs: pubsub.counters.droppedRpcs,
      graylistedRpcs: pubsub.counters.graylistedRpcs,
      rejected: pubsub.counters.rejected,
    }),
    stop: () => host.stop(),
  }
}

interface JsGossipSub extends EventSource {
  subscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<unknown>
  getSubscribers(topic: string): unknown[]
  getMeshPeers(topic: string): unknown[]
  handleReceivedMessage(from: unknown, message: unknown): Promise<void>
}

export async function jsHost(name: string): Promise<SimHost> {
  const node = await createLibp2p({
    addresses: { listen: [`/memory/${name}`] },
    transports: [jsMemory()],
    connectionEncrypters: [jsNoise()],
    streamMuxers: [jsYamux()],
    connectionManager: { inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 1000 },
    services: { identify: jsIdentify(), pubsub: jsGossipsub({ allowPublishToZeroTopicPeers: true }) },
  })
  const pubsub = node.services.pubsub as unknown as JsGossipSub
  // count every message copy js-libp2p's gossipsub handles (its per-message entry point)
  let copies = 0
  const original = pubsub.handleReceivedMessage.bind(pubsub)
  pubsub.handleReceivedMessage = (from, message) => {
    copies++
    return original(from, message)
  }
  return {
    address: `/memory/${name}/p2p/${node.peerId}`,
    subscribe: (topic) => pubsub.subscribe(topic),
    publish: (topic, data) => pubsub.publish(topic, data),
    onMessage: (handler) => messageListener(pubsub, handler),
    dial: async (address) => {
      await node.dial(multiaddr(address))
    },
    subscribers: (topic) => pubsub.getSubscribers(topic).length,
    meshPeers: (topic) => pubsub.getMeshPeers(topic).length,
    copiesReceived: () => copies,
    stop: async () => {
      await node.stop()
    },
  }
}

/** Router options from PUBSUB_WEFT_OPTIONS (JSON), for experiments. */
function weftOptions(): Record<string, unknown> {
  const json = process.env.PUBSUB_WEFT_OPTIONS
  return json == null || json === '' ? {} : (JSON.parse(json) as Record<string, unknown>)
}
