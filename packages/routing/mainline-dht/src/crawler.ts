/**
 * A BEP51 crawler: walks the keyspace by asking every node it learns of for
 * `sample_infohashes` with a random target, collects the infohashes and the
 * nodes each answer names, and revisits a node after its `interval` while it
 * holds more than it has shown. Nodes without BEP51 (error 204) are asked
 * find_node instead, so the walk goes on through them.
 *
 * Bounded: nodes visited, infohashes kept, queries per second, queries in
 * flight, total time; it stops by itself when nothing is left to ask.
 */
import { setMaxListeners } from 'node:events'
import { LightEventTarget } from '@weft/utils'
import { type Address, addressKey, decodeNodes, type NodeContact } from './address.js'
import type { AbortOptions, MainlineDHT } from './dht.js'
import { AbortError, ErrorCode, KrpcError, TimeoutError } from './errors.js'
import { idToHex, randomId } from './node-id.js'
import { splitSamples } from './samples.js'

export interface CrawlerInit {
  /** Nodes to start from (default: the DHT's routing table). */
  seeds?: readonly Address[]
  /** Distinct nodes queried at most (default 10 000). */
  maxNodes?: number
  /** Infohashes kept at most (default 100 000). */
  maxInfohashes?: number
  /** Queries started per second at most (default 20). */
  queriesPerSecond?: number
  /** Queries in flight at once (default 8). */
  concurrency?: number
  /** The crawl stops after this long, ms (default 10 min). */
  duration?: number
  /** Revisits per node at most, when it holds more than its samples showed (default 3). */
  maxRevisits?: number
  /** Shortest wait before a revisit, ms, whatever `interval` says (default 0). */
  minRevisitDelay?: number
  /** How often `progress` is dispatched, ms (default 1 000). */
  progressInterval?: number
  /** Wait before a node that did not answer is asked again, once, ms (default 5 000). */
  retryDelay?: number
}

export interface CrawlProgress {
  /** Nodes queried so far. */
  readonly nodes: number
  /** Nodes that answered sample_infohashes. */
  readonly sampled: number
  readonly infohashes: number
  readonly queries: number
  /** New infohashes found in each minute since the start. */
  readonly perMinute: readonly number[]
  readonly elapsed: number
}

export interface CrawlResult extends CrawlProgress {
  /** Every infohash found, as lowercase hex. */
  readonly found: ReadonlySet<string>
  readonly reason: 'exhausted' | 'max-nodes' | 'max-infohashes' | 'duration' | 'aborted'
}

export interface CrawlerEvents {
  infohash: CustomEvent<{ infohash: string; from: Address }>
  progress: CustomEvent<CrawlProgress>
}

interface Visit {
  readonly node: NodeContact | Address
  readonly at: number
  readonly revisit: number
  /** This visit repeats one that got no answer. */
  readonly retry?: boolean
}

export class Crawler extends LightEventTarget<CrawlerEvents> {
  readonly found = new Set<string>()
  private readonly init: Required<Omit<CrawlerInit, 'seeds'>>
  private readonly seen = new Set<string>()
  private readonly own = new Set<string>()
  private readonly queue: Visit[] = []
  private readonly shownBy = new Map<string, Set<string>>()
  private readonly perMinute: number[] = []
  private queries = 0
  private sampled = 0
  private startedAt = 0

  private readonly seeds?: readonly Address[]

  constructor(
    private readonly dht: MainlineDHT,
    init: CrawlerInit = {},
  ) {
    super()
    this.seeds = init.seeds
    this.init = {
      maxNodes: init.maxNodes ?? 10_000,
      maxInfohashes: init.maxInfohashes ?? 100_000,
      queriesPerSecond: init.queriesPerSecond ?? 20,
      concurrency: init.concurrency ?? 8,
      duration: init.duration ?? 10 * 60_000,
      maxRevisits: init.maxRevisits ?? 3,
      minRevisitDelay: init.minRevisitDelay ?? 0,
      progressInterval: init.progressInterval ?? 1000,
      retryDelay: init.retryDelay ?? 5000,
    }
  }

  progress(): CrawlProgress {
    return {
      nodes: this.seen.size,
      sampled: this.sampled,
      infohashes: this.found.size,
      queries: this.queries,
      perMinute: [...this.perMinute],
      elapsed: this.startedAt === 0 ? 0 : Date.now() - this.startedAt,
    }
  }

  /** Runs the crawl to its end; resolves with what it found (also when aborted). */
  async crawl(options: AbortOptions = {}): Promise<CrawlResult> {
    this.startedAt = Date.now()
    const deadline = this.startedAt + this.init.duration
    for (const own of this.dht.addresses()) this.own.add(addressKey(own))
    const seeds = this.seeds ?? this.dht.table.closest(randomId(), this.dht.table.size)
    for (const seed of seeds) this.enqueue(seed, 0)
    const ticker = setInterval(
      () => this.safeDispatchEvent('progress', { detail: this.progress() }),
      this.init.progressInterval,
    )
    let inFlight = 0
    if (options.signal !== undefined) setMaxListeners(Number.POSITIVE_INFINITY, options.signal)
    let reason: CrawlResult['reason'] = 'exhausted'
    const gap = 1000 / this.init.queriesPerSecond
    try {
      let nextStart = Date.now()
      while (true) {
        if (options.signal?.aborted === true) {
          reason = 'aborted'
          break
        }
        if (Date.now() >= deadline) {
          reason = 'duration'
          break
        }
        if (this.found.size >= this.init.maxInfohashes) {
          reason = 'max-infohashes'
          break
        }
        const ready = this.queue.length > 0 && (this.queue[0] as Visit).at <= Date.now()
        if (!ready && inFlight === 0 && this.queue.length === 0) {
          reason = this.seen.size >= this.init.maxNodes ? 'max-nodes' : 'exhausted'
          break
        }
        if (!ready || inFlight >= this.init.concurrency) {
          const wait = this.queue.length > 0 ? Math.max(1, (this.queue[0] as Visit).at - Date.now()) : 5
          await sleep(Math.min(wait, 50, Math.max(1, deadline - Date.now())), options.signal)
          continue
        }
        const now = Date.now()
        if (nextStart > now) {
          await sleep(nextStart - now, options.signal)
          continue
        }
        nextStart = Math.max(nextStart, now - gap) + gap
        const visit = this.queue.shift() as Visit
        inFlight++
        void this.visit(visit, deadline, options.signal).finally(() => inFlight--)
      }
    } catch (err) {
      if (!(err instanceof AbortError) && options.signal?.aborted !== true) throw err
      reason = 'aborted'
    } finally {
      clearInterval(ticker)
    }
    const result = { ...this.progress(), found: this.found, reason }
    this.safeDispatchEvent('progress', { detail: this.progress() })
    return result
  }

  private enqueue(node: NodeContact | Address, at: number, revisit = 0, retry = false): void {
    if (revisit === 0 && !retry) {
      const key = addressKey(node)
      if (this.seen.has(key) || this.own.has(key) || this.seen.size >= this.init.maxNodes) return
      this.seen.add(key)
    }
    const visit = { node, at, revisit, retry }
    let index = this.queue.length
    while (index > 0 && (this.queue[index - 1] as Visit).at > at) index--
    this.queue.splice(index, 0, visit)
  }

  private async visit(visit: Visit, deadline: number, signal?: AbortSignal): Promise<void> {
    const target = randomId()
    this.queries++
    try {
      const response = await this.dht
        .query(visit.node, 'sample_infohashes', { target }, { signal })
        .catch(async (err: unknown) => {
          // no BEP51 there: keep walking through it with find_node
          if (err instanceof KrpcError && err.code === ErrorCode.methodUnknown) {
            this.queries++
            return this.dht.query(visit.node, 'find_node', { target }, { signal })
          }
          throw err
        })
      const values = response.values
      for (const [field, family] of [
        ['nodes', 4],
        ['nodes6', 6],
      ] as const) {
        const bytes = values[field]
        if (bytes instanceof Uint8Array)
          for (const node of decodeNodes(bytes, family, 16)) this.enqueue(node, 0)
      }
      if (!(values.samples instanceof Uint8Array)) return
      if (visit.revisit === 0) this.sampled++
      const key = addressKey(visit.node)
      let shown = this.shownBy.get(key)
      if (shown === undefined && this.shownBy.size < this.init.maxNodes) {
        shown = new Set()
        this.shownBy.set(key, shown)
      }
      for (const infohash of splitSamples(values.samples, 256)) {
        const hex = idToHex(infohash)
        if (shown !== undefined && shown.size < 1024) shown.add(hex)
        if (this.found.has(hex) || this.found.size >= this.init.maxInfohashes) continue
        this.found.add(hex)
        const minute = Math.floor((Date.now() - this.startedAt) / 60_000)
        while (this.perMinute.length <= minute) this.perMinute.push(0)
        this.perMinute[minute] = (this.perMinute[minute] as number) + 1
        this.safeDispatchEvent('infohash', { detail: { infohash: hex, from: visit.node } })
      }
      const num = typeof values.num === 'number' ? values.num : 0
      const interval = typeof values.interval === 'number' ? Math.max(0, values.interval) : 0
      const at = Date.now() + Math.max(interval * 1000, this.init.minRevisitDelay)
      if (shown !== undefined && num > shown.size && visit.revisit < this.init.maxRevisits && at < deadline)
        this.enqueue(visit.node, at, visit.revisit + 1)
    } catch (err) {
      // a node that did not answer is asked once more, later (a datagram is
      // easily lost); errors and aborts skip it
      if (err instanceof TimeoutError && !visit.retry && signal?.aborted !== true) {
        const at = Date.now() + this.init.retryDelay
        if (at < deadline) this.enqueue(visit.node, at, visit.revisit, true)
      }
    }
  }
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new AbortError())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** A crawler on a started DHT: `await crawler(dht, init).crawl()`. */
export function crawler(dht: MainlineDHT, init: CrawlerInit = {}): Crawler {
  return new Crawler(dht, init)
}
