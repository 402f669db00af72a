/**
 * Many weft hosts in one process on the memory transport, each in an
 * isolated `MemoryRegistry` so two testnets never see each other. Hosts are
 * made cheap: no auto-dial, small yamux windows, no keep-alive pings, and
 * (optionally) the simulation plaintext encrypter instead of Noise.
 */
import type { PrivateKey, ServiceMap } from '@libp2p/interface'
import { generateKeyPair } from '@weft/crypto'
import { createHost, type Host, type HostInit, type ServiceFactoryMap } from '@weft/host'
import { type IdentifyService, identify } from '@weft/identify'
import { MemoryRegistry, memory } from '@weft/memory'
import { noise } from '@weft/noise'
import { yamux } from '@weft/yamux'
import { simulationPlaintext } from './plaintext.js'

export type TestnetServices<S extends ServiceMap> = S & { identify: IdentifyService }

export interface TestnetInit<S extends ServiceMap = ServiceMap> {
  /** hosts to start (1..10 000) */
  size: number
  /** the services of host `index` (identify is always added) */
  services?: (index: number) => ServiceFactoryMap<S>
  /** 'noise' (default) or 'plaintext' (simulations only: no secrecy, much cheaper) */
  encryption?: 'noise' | 'plaintext'
  /** one-way latency of every memory connection in ms (default 0) */
  latency?: number
  /** peers each host dials once all are up, chosen at random (default 3) */
  connectTo?: number
  /** hosts started at once (default 50) */
  concurrency?: number
  /** connection limit per host (default 100) */
  maxConnections?: number
  /** more host options, applied to every host */
  host?: Partial<Omit<HostInit<TestnetServices<S>>, 'services' | 'privateKey'>>
  /** seeded randomness for peer choice (default Math.random) */
  random?: () => number
  signal?: AbortSignal
}

export interface ChurnResult<S extends ServiceMap> {
  stopped: Array<Host<TestnetServices<S>>>
  added: Array<Host<TestnetServices<S>>>
}

let nextNetworkId = 0
const MAX_SIZE = 10_000

export class Testnet<S extends ServiceMap = ServiceMap> {
  /** the running hosts, in start order (churned hosts are replaced in place) */
  readonly hosts: Array<Host<TestnetServices<S>>> = []
  readonly registry: MemoryRegistry
  private readonly id = nextNetworkId++
  private nextIndex = 0
  private readonly random: () => number

  constructor(private readonly init: TestnetInit<S>) {
    if (!Number.isInteger(init.size) || init.size < 1 || init.size > MAX_SIZE) {
      throw new RangeError(`size must be an integer from 1 to ${MAX_SIZE}, got ${init.size}`)
    }
    this.registry = new MemoryRegistry(MAX_SIZE * 2)
    this.random = init.random ?? Math.random
  }

  /** Starts a new host (not yet connected to anyone) and returns it. */
  async createHost(privateKey?: PrivateKey): Promise<Host<TestnetServices<S>>> {
    const index = this.nextIndex++
    const key = privateKey ?? (await generateKeyPair('Ed25519'))
    const services = {
      identify: identify({ timeout: 10_000 }),
      ...this.init.services?.(index),
    } as ServiceFactoryMap<TestnetServices<S>>
    const hostInit = this.init.host ?? {}
    return createHost<TestnetServices<S>>({
      ...hostInit,
      privateKey: key,
      addresses: { listen: [`/memory/testnet-${this.id}-${index}`] },
      transports: [memory({ registry: this.registry, latency: this.init.latency ?? 0 })],
      connectionEncrypters: [this.init.encryption === 'plaintext' ? simulationPlaintext() : noise()],
      streamMuxers: [
        yamux({
          enableKeepAlive: false,
          maxInboundStreams: 256,
          maxOutboundStreams: 256,
          // 256 KiB is yamux's minimum window; never let it grow
          streamOptions: { maxStreamWindowSize: 256 * 1024 },
        }),
      ],
      services,
      connectionManager: {
        minConnections: 0,
        maxConnections: this.init.maxConnections ?? 100,
        maxIncomingPendingConnections: 100,
        ...hostInit.connectionManager,
      },
    })
  }

  /** Starts `size` hosts, then has each dial `connectTo` random others. */
  async start(): Promise<void> {
    const concurrency = this.init.concurrency ?? 50
    while (this.hosts.length < this.init.size) {
      this.init.signal?.throwIfAborted()
      const batch = Math.min(concurrency, this.init.size - this.hosts.length)
      this.hosts.push(...(await Promise.all(Array.from({ length: batch }, async () => this.createHost()))))
    }
    await this.connectAll(this.hosts)
  }

  /** Has each of `hosts` dial `connectTo` random running hosts (failures are ignored). */
  async connectAll(hosts: Array<Host<TestnetServices<S>>>): Promise<void> {
    const degree = Math.min(this.init.connectTo ?? 3, this.hosts.length - 1)
    const concurrency = this.init.concurrency ?? 50
    for (let i = 0; i < hosts.length; i += concurrency) {
      this.init.signal?.throwIfAborted()
      await Promise.all(
        hosts.slice(i, i + concurrency).map(async (host) => {
          for (const peer of this.pick(degree, host)) {
            try {
              await host.dial(peer.getMultiaddrs(), { signal: AbortSignal.timeout(10_000) })
            } catch {
              // a peer that went away meanwhile: the others suffice
            }
          }
        }),
      )
    }
  }

  /**
   * Stops `fraction` of the hosts at random and, unless `replace` is false,
   * starts as many new ones (connected like the others) in their places.
   */
  async churn(fraction: number, options: { replace?: boolean } = {}): Promise<ChurnResult<S>> {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be in [0, 1], got ${fraction}`)
    const count = Math.round(this.hosts.length * fraction)
    const indexes = this.shuffle([...this.hosts.keys()]).slice(0, count)
    const stopped = indexes.map((index) => this.hosts[index]!)
    await Promise.all(stopped.map(async (host) => host.stop()))
    const added: Array<Host<TestnetServices<S>>> = []
    if (options.replace !== false) {
      for (const index of indexes) {
        const host = await this.createHost()
        this.hosts[index] = host
        added.push(host)
      }
      await this.connectAll(added)
    } else {
      const gone = new Set(indexes)
      const kept = this.hosts.filter((_, index) => !gone.has(index))
      this.hosts.splice(0, this.hosts.length, ...kept)
    }
    return { stopped, added }
  }

  /** Stops every host. */
  async stop(): Promise<void> {
    const hosts = this.hosts.splice(0)
    await Promise.all(hosts.map(async (host) => host.stop()))
  }

  private pick(count: number, except: Host<TestnetServices<S>>): Array<Host<TestnetServices<S>>> {
    const out = new Set<Host<TestnetServices<S>>>()
    const running = this.hosts.filter((host) => host !== except && host.status === 'started')
    const wanted = Math.min(count, running.length)
    while (out.size < wanted) out.add(running[Math.floor(this.random() * running.length)]!)
    return [...out]
  }

  private shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1))
      ;[items[i], items[j]] = [items[j]!, items[i]!]
    }
    return items
  }
}

/** Starts a testnet of `init.size` hosts; `stop()` stops them all. */
export async function createNetwork<S extends ServiceMap = ServiceMap>(
  init: TestnetInit<S>,
): Promise<Testnet<S>> {
  const network = new Testnet<S>(init)
  try {
    await network.start()
  } catch (err) {
    await network.stop()
    throw err
  }
  return network
}
