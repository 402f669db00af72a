/**
 * Keeps a running node's state fresh on two timers: every
 * `refreshInterval` the stale buckets are looked up (at most eight a
 * round; an empty table bootstraps again instead), every minute expired
 * peers and items are swept.
 */
import type { Address } from './address.js'
import type { AbortOptions } from './dht-types.js'
import type { RoutingTable } from './routing-table.js'

export interface RefresherInit {
  table: Pick<RoutingTable, 'size' | 'staleTargets'>
  /** the nodes bootstrapped from again when the table is empty */
  bootstrapNodes: readonly Address[]
  /** ms between refresh rounds (0: never) */
  refreshInterval: number
  /** a bucket unchanged this long is refreshed */
  bucketStaleAfter?: number
  /** ends every lookup of a round: the signal of the node's current run (renewed by each start) */
  signal: () => AbortSignal
  /** whether the node still runs: a round stops between lookups when it no longer does */
  running(): boolean
  bootstrap(nodes: readonly Address[], options: AbortOptions): Promise<unknown>
  findNode(target: Uint8Array, options: AbortOptions): Promise<unknown>
  /** drops expired peers and items */
  sweep(): void
}

export class Refresher {
  private readonly timers: ReturnType<typeof setInterval>[] = []

  constructor(private readonly init: RefresherInit) {}

  start(): void {
    if (this.init.refreshInterval > 0)
      this.timers.push(setInterval(() => void this.refresh(), this.init.refreshInterval))
    this.timers.push(setInterval(() => this.init.sweep(), 60_000))
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer)
    this.timers.length = 0
  }

  private async refresh(): Promise<void> {
    const { table, bootstrapNodes } = this.init
    const signal = this.init.signal()
    if (table.size === 0 && bootstrapNodes.length > 0) {
      await this.init.bootstrap(bootstrapNodes, { signal }).catch(() => {})
      return
    }
    for (const target of table.staleTargets(this.init.bucketStaleAfter).slice(0, 8)) {
      if (!this.init.running()) return
      await this.init.findNode(target, { signal }).catch(() => {})
    }
  }
}
