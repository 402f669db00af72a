/**
 * Routing table refresh (libp2p/specs kad-dht/README.md, "Bootstrap
 * process"): a lookup of our own id, then of a random key in every bucket
 * not refreshed within the interval. Runs shortly after the first peer
 * arrives and then every `refreshInterval`; one timer, unref'd, cleared on
 * stop.
 */
import type { AbortOptions, Logger } from '@libp2p/interface'
import { commonPrefixLength, kadId } from './distance.js'
import type { KadDHT } from './kad-dht.js'
import type { ResolvedInit } from './options.js'

/** random keys tried per bucket: a key lands in bucket i with probability 2^-(i+1) */
const MAX_KEY_ATTEMPTS = 1 << 17

export class Refresher {
  private timer?: ReturnType<typeof setTimeout>
  private interval = 0
  private initialDelay = 0
  private maxBucket = 15
  private running?: Promise<void>
  private scheduledFirst = false

  constructor(
    private readonly dht: KadDHT,
    private readonly log: Logger,
  ) {}

  start(config: ResolvedInit): void {
    this.interval = config.refreshInterval
    this.initialDelay = config.initialRefreshDelay
    this.maxBucket = config.maxRefreshBucket
    this.scheduledFirst = false
    if (this.dht.routingTable.size > 0) this.schedule(this.initialDelay)
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
    if (this.interval === 0 || !this.dht.isStarted()) return
    this.scheduledFirst = true
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.refresh({ signal: this.dht.shutdown.signal })
        .catch((err) => this.log('routing table refresh failed: %e', err))
        .finally(() => this.schedule(this.interval))
    }, delay)
    this.timer.unref?.()
  }

  private async run(options: AbortOptions): Promise<void> {
    const table = this.dht.routingTable
    const self = this.dht.peerId.toMultihash().bytes
    await this.dht.lookup(self, options)
    table.markRefreshed(table.bucketIndex(kadId(self)))
    // with the refresh timer off (interval 0) only the self lookup runs
    const stale = this.interval > 0 ? table.staleBuckets(this.interval, this.maxBucket) : []
    for (const bucket of stale) {
      const key = randomKeyInBucket(table.selfKadId, bucket)
      if (key == null) continue
      await this.dht.lookup(key, options)
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
