/**
 * Routing table refresh (libp2p/specs kad-dht/README.md, "Bootstrap
 * process"): a lookup of our own id, then of a random key in every bucket
 * not refreshed within the interval. Runs shortly after the first peer
 * arrives and then every `refreshInterval`; one timer, unref'd, cleared on
 * stop.
 */
import type { AbortOptions, Logger } from '@libp2p/interface'
import { commonPrefixLength, kadId } from './distance.js'
import type { KadDHTConfig } from './options.js'
import type { RoutingTable } from './routing-table.js'

/** What `Refresher` uses of the DHT, and nothing more; parts.ts builds it. */
export interface RefresherInit {
  /** the key of our own id (its multihash bytes), looked up first */
  selfKey: Uint8Array
  routingTable: Pick<RoutingTable, 'size' | 'selfKadId' | 'bucketIndex' | 'markRefreshed' | 'staleBuckets'>
  config: Pick<KadDHTConfig, 'refreshInterval' | 'initialRefreshDelay' | 'maxRefreshBucket'>
  /** an iterative lookup of `key` (FIND_NODE) */
  lookup(key: Uint8Array, options: AbortOptions): Promise<unknown>
  /** the signal that aborts when the DHT stops (a new one each time it starts) */
  stopSignal(): AbortSignal
  isStarted(): boolean
  log: Logger
}

/** random keys tried per bucket: a key lands in bucket i with probability 2^-(i+1) */
const MAX_KEY_ATTEMPTS = 1 << 17

export class Refresher {
  private timer?: ReturnType<typeof setTimeout>
  private interval = 0
  private initialDelay = 0
  private maxBucket = 15
  private running?: Promise<void>
  private scheduledFirst = false

  constructor(private readonly init: RefresherInit) {}

  start(): void {
    const { config } = this.init
    this.interval = config.refreshInterval
    this.initialDelay = config.initialRefreshDelay
    this.maxBucket = config.maxRefreshBucket
    this.scheduledFirst = false
    if (this.init.routingTable.size > 0) this.schedule(this.initialDelay)
  }

  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** The first peer makes the first refresh come soon. */
  onPeerAdded(size: number): void {
    if (size === 1 && !this.scheduledFirst) this.schedule(this.initialDelay)
  }

  async refresh(options: AbortOptions = {}): Promise<void> {
    if (this.running != null) return this.running
    this.running = this.run(options).finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private schedule(delay: number): void {
    if (this.interval === 0 || !this.init.isStarted()) return
    this.scheduledFirst = true
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.refresh({ signal: this.init.stopSignal() })
        .catch((err) => this.init.log('routing table refresh failed: %e', err))
        .finally(() => this.schedule(this.interval))
    }, delay)
    this.timer.unref?.()
  }

  private async run(options: AbortOptions): Promise<void> {
    const { routingTable: table, selfKey: self } = this.init
    await this.init.lookup(self, options)
    table.markRefreshed(table.bucketIndex(kadId(self)))
    // with the refresh timer off (interval 0) only the self lookup runs
    const stale = this.interval > 0 ? table.staleBuckets(this.interval, this.maxBucket) : []
    for (const bucket of stale) {
      const key = randomKeyInBucket(table.selfKadId, bucket)
      if (key == null) continue
      await this.init.lookup(key, options)
      table.markRefreshed(bucket)
    }
  }
}

/**
 * Random bytes whose SHA-256 shares exactly `bucket` leading bits with
 * `selfKadId` (found by trying; undefined after too many attempts).
 */
export function randomKeyInBucket(selfKadId: Uint8Array, bucket: number): Uint8Array | undefined {
  const key = new Uint8Array(32)
  for (let attempt = 0; attempt < MAX_KEY_ATTEMPTS; attempt++) {
    crypto.getRandomValues(key)
    const point = kadId(key)
    if (commonPrefixLength(selfKadId, point) === bucket) return key
  }
  return undefined
}
