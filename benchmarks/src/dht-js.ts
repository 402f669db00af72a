/**
 * The js-libp2p side of the DHT scale benchmark: the same scenario on a
 * network of js-libp2p nodes (@libp2p/memory, Noise, yamux, identify, ping,
 * @libp2p/kad-dht in server mode with the passthrough address mapper).
 * RPCs are counted from the query's `SEND_QUERY` events; a lookup succeeded
 * when it yielded the target's `FINAL_PEER`.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { memory } from '@libp2p/memory'
import { ping } from '@libp2p/ping'
import { createLibp2p, type Libp2p } from 'libp2p'
import {
  type LookupSample,
  runLookups,
  type ScenarioResult,
  seededRandom,
  summarizeLookups,
} from './dht-stats.js'

type JsNode = Libp2p<{ dht: KadDHT }>

let nextName = 0
const LOOKUP_TIMEOUT = 30_000

async function jsNode(): Promise<JsNode> {
  return createLibp2p({
    addresses: { listen: [`/memory/js-dht-bench-${process.pid}-${nextName++}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: 200,
      inboundConnectionThreshold: 10_000,
      maxIncomingPendingConnections: 100,
    },
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ clientMode: false, peerInfoMapper: passthroughMapper }),
    },
  }) as unknown as Promise<JsNode>
}

async function join(nodes: JsNode[], all: JsNode[], random: () => number): Promise<void> {
  for (let i = 0; i < nodes.length; i += 25) {
    await Promise.all(
      nodes.slice(i, i + 25).map(async (node) => {
        const picked = new Set<JsNode>()
        while (picked.size < Math.min(3, all.length - 1)) {
          const peer = all[Math.floor(random() * all.length)]!
          if (peer !== node && peer.status === 'started') picked.add(peer)
        }
        for (const peer of picked)
          await node.dial(peer.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(10_000) }).catch(() => {})
      }),
    )
  }
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  for (let i = 0; i < nodes.length; i += 25) {
    await Promise.all(
      nodes.slice(i, i + 25).map(async (node) => node.services.dht.refreshRoutingTable().catch(() => {})),
    )
  }
}

export async function runJsScenarios(
  options: { jsSize: number; lookups: number; seed: number; concurrency: number },
  log: (line: string) => void,
): Promise<ScenarioResult[]> {
  const random = seededRandom(options.seed + 1)
  const nodes: JsNode[] = []
  const started = performance.now()
  try {
    for (let i = 0; i < options.jsSize; i += 25) {
      nodes.push(...(await Promise.all(Array.from({ length: Math.min(25, options.jsSize - i) }, jsNode))))
    }
    await join(nodes, nodes, random)
    log(
      `js-libp2p: ${options.jsSize} nodes up and joined in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
    const lookup = async (): Promise<LookupSample> => {
      const from = nodes[Math.floor(random() * nodes.length)]!
      let target = from
      while (target === from) target = nodes[Math.floor(random() * nodes.length)]!
      const begin = performance.now()
      let rpcs = 0
      let found = false
      // js lookups may not settle on their signal alone: each step also races a deadline
      const signal = AbortSignal.timeout(LOOKUP_TIMEOUT)
      const events = from.services.dht
        .findPeer(target.peerId, { useCache: false, signal })
        [Symbol.asyncIterator]()
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), LOOKUP_TIMEOUT + 1_000)
      })
      try {
        while (true) {
          const step = await Promise.race([events.next(), deadline])
          if (step === 'timeout' || step.done === true) break
          const event = step.value
          if (event.name === 'SEND_QUERY') rpcs++
          if (event.name === 'FINAL_PEER' && event.peer.id.equals(target.peerId)) {
            found = true
            break
          }
        }
      } catch {
        // counted as not found
      } finally {
        clearTimeout(timer)
        void events.return?.().catch(() => {})
      }
      return { found, rounds: 0, rpcs, latency: performance.now() - begin }
    }
    const results = [
      summarizeLookups(
        'js-libp2p',
        options.jsSize,
        'static',
        await runLookups(options.lookups, options.concurrency, lookup),
        false,
      ),
    ]
    const count = Math.round(nodes.length * 0.2)
    const indexes = [...nodes.keys()].sort(() => random() - 0.5).slice(0, count)
    await Promise.all(indexes.map(async (index) => nodes[index]!.stop()))
    const added: JsNode[] = []
    for (const index of indexes) {
      const node = await jsNode()
      nodes[index] = node
      added.push(node)
    }
    await join(added, nodes, random)
    results.push(
      summarizeLookups(
        'js-libp2p',
        options.jsSize,
        'churn 20%',
        await runLookups(options.lookups, options.concurrency, lookup),
        false,
      ),
    )
    return results
  } finally {
    await Promise.all(nodes.map(async (node) => node.stop()))
  }
}
