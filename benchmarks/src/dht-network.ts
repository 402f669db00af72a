/**
 * The weft side of the DHT scale benchmark: `size` weft hosts in one process
 * on the memory transport (the simulation plaintext encrypter or Noise,
 * yamux, identify, kad-dht in server mode),
 * each dialing a few random others, with churn.
 *
 * This mirrors @weft/testnet's `createNetwork`; switch to it once
 * benchmarks/package.json depends on @weft/testnet.
 */

import { serviceCapabilities } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createHost, type Host } from '@weft/host'
import { identify } from '@weft/identify'
import { type KadDHT, kadDHT } from '@weft/kad-dht'
import { MemoryRegistry, memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { simulationPlaintext } from '@weft/testnet'
import { yamux } from '@weft/yamux'

export type DHTHost = Host<{ dht: KadDHT }>

export interface DHTNetworkInit {
  size: number
  /** random peers each host dials on joining (default 3) */
  connectTo?: number
  /** hosts started at once (default 25) */
  concurrency?: number
  /** 'plaintext' (default: the simulation encrypter, see dht-plaintext.ts) or 'noise' */
  encryption?: 'plaintext' | 'noise'
  /**
   * Run identify on every connection (default false). Without it, each host
   * learns of a new connection's peer from the simulation itself: every host
   * here is a DHT server, which is all identify would tell the DHT, and
   * identify is most of the cost of a connection at this scale.
   */
  identify?: boolean
  random: () => number
}

/**
 * Stands in for identify when the benchmark runs without it: the DHT depends
 * on the identify capability, which the simulation provides itself (see the
 * `connection:open` listener in `createHost`).
 */
function identifyStandIn() {
  return { [Symbol.toStringTag]: 'dht-bench-identify-stand-in', [serviceCapabilities]: ['@libp2p/identify'] }
}

export class DHTNetwork {
  readonly hosts: DHTHost[] = []
  /** listen address of every host ever started, by peer id */
  private readonly addresses = new Map<string, Multiaddr[]>()
  private readonly registry = new MemoryRegistry(20_000)
  private next = 0

  constructor(private readonly init: DHTNetworkInit) {}

  async start(): Promise<void> {
    const concurrency = this.init.concurrency ?? 25
    while (this.hosts.length < this.init.size) {
      const batch = Math.min(concurrency, this.init.size - this.hosts.length)
      this.hosts.push(...(await Promise.all(Array.from({ length: batch }, async () => this.createHost()))))
    }
    await this.join(this.hosts)
  }

  /** Each of `hosts` dials a few random running hosts, then looks itself up (the DHT bootstrap). */
  async join(hosts: DHTHost[]): Promise<void> {
    const concurrency = this.init.concurrency ?? 25
    for (let i = 0; i < hosts.length; i += concurrency) {
      await Promise.all(hosts.slice(i, i + concurrency).map(async (host) => this.connect(host)))
    }
    // identify (or its stand-in) tells each side that the other speaks the DHT
    await new Promise((resolve) => setTimeout(resolve, this.init.identify === true ? 500 : 50))
    for (let i = 0; i < hosts.length; i += concurrency) {
      await Promise.all(
        hosts.slice(i, i + concurrency).map(async (host) => {
          await host.services.dht.refreshRoutingTable({ signal: AbortSignal.timeout(60_000) }).catch(() => {})
        }),
      )
    }
  }

  /** Stops `fraction` of the hosts at random and starts as many new ones, which join. */
  async churn(fraction: number): Promise<void> {
    const count = Math.round(this.hosts.length * fraction)
    const indexes = [...this.hosts.keys()]
    for (let i = indexes.length - 1; i > 0; i--) {
      const j = Math.floor(this.init.random() * (i + 1))
      ;[indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!]
    }
    const chosen = indexes.slice(0, count)
    await Promise.all(chosen.map(async (index) => this.hosts[index]!.stop()))
    const added: DHTHost[] = []
    for (const index of chosen) {
      const host = await this.createHost()
      this.hosts[index] = host
      added.push(host)
    }
    await this.join(added)
  }

  async stop(): Promise<void> {
    await Promise.all(this.hosts.splice(0).map(async (host) => host.stop()))
  }

  private async connect(host: DHTHost): Promise<void> {
    const degree = Math.min(this.init.connectTo ?? 3, this.hosts.length - 1)
    const picked = new Set<DHTHost>()
    while (picked.size < degree) {
      const peer = this.hosts[Math.floor(this.init.random() * this.hosts.length)]!
      if (peer !== host && peer.status === 'started') picked.add(peer)
    }
    for (const peer of picked) {
      await host.dial(peer.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) }).catch(() => {})
    }
  }

  private async createHost(): Promise<DHTHost> {
    const index = this.next++
    const services = {
      dht: kadDHT({ clientMode: false, refreshInterval: 0, requestTimeout: 5_000 }),
      identify: this.init.identify === true ? identify() : identifyStandIn,
    }
    const host = (await createHost({
      addresses: { listen: [`/memory/dht-bench-${index}`] },
      transports: [memory({ registry: this.registry })],
      connectionEncrypters: [this.init.encryption === 'noise' ? noise() : simulationPlaintext()],
      streamMuxers: [yamux({ enableKeepAlive: false, streamOptions: { maxStreamWindowSize: 256 * 1024 } })],
      connectionManager: { minConnections: 0, maxConnections: 200, maxIncomingPendingConnections: 100 },
      services,
    })) as unknown as DHTHost
    this.addresses.set(host.peerId.toString(), host.getMultiaddrs())
    if (this.init.identify !== true) {
      // the identify stand-in: the remote is a DHT server at its listen address
      host.addEventListener('connection:open', (evt) => {
        const remote = evt.detail.remotePeer
        host.services.dht.addPeer(remote, this.addresses.get(remote.toString()) ?? [])
      })
    }
    return host
  }
}
