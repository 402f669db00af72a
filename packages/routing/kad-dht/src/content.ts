/**
 * `ContentRouting` over the DHT (libp2p/specs kad-dht/README.md, "Value
 * storage and retrieval" and "Content provider advertisement and
 * discovery"): put/get of validated records and provide/findProviders with
 * republishing of what we provide and of the records we put (the publisher
 * of a record keeps it alive; peers storing it for others let it expire
 * after `recordExpiry`).
 */
import type {
  AbortOptions,
  ContentRouting,
  Logger,
  PeerId,
  Provider,
  RoutingOptions,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { anySignal, type ClearableSignal, deferred, equalBytes } from '@weft/utils'
import type { CID } from 'multiformats/cid'
import { DHTLimitError, NotFoundError } from './errors.js'
import { keyLabel } from './key-label.js'
import { Message } from './message.pb.js'
import { type Network, wireBytes } from './network.js'
import type { KadDHTConfig } from './options.js'
import type { Providers } from './providers.js'
import { fromWire, type LookupFn, type PeerCandidate } from './query-runner.js'
import { RecordRepublisher } from './record-republisher.js'
import type { RecordStore } from './record-store.js'
import { type Selectors, selectRecord, type Validators, validateRecord } from './records.js'

/** What `Content` uses of the DHT, and nothing more; parts.ts builds it. */
export interface ContentInit {
  /** our peer id: the provider we announce */
  self: PeerId
  providers: Pick<Providers, 'add' | 'get' | 'sweep'>
  records: Pick<RecordStore, 'put' | 'get' | 'sweep'>
  validators: Validators
  selectors: Selectors
  network: Pick<Network, 'send'>
  config: Pick<
    KadDHTConfig,
    | 'republishInterval'
    | 'maxProvidedKeys'
    | 'maxRecordSize'
    | 'getQuorum'
    | 'recordRepublishInterval'
    | 'maxRepublishedRecords'
    | 'recordExpiry'
  >
  /** an iterative lookup over the routing table */
  lookup: LookupFn
  /** addresses to tell others for a peer (ourselves included); [] when unknown */
  addressesOf(peerId: PeerId, options?: AbortOptions): Promise<Multiaddr[]>
  /** hands addresses of a peer found on the network to the peer store */
  rememberAddresses(peerId: PeerId, multiaddrs: Multiaddr[]): void
  /** a signal for one operation: the caller's, the query timeout and the DHT's stop */
  operationSignal(options?: AbortOptions): ClearableSignal
  /** the signal that aborts when the DHT stops (a new one each time it starts) */
  stopSignal(): AbortSignal
  isStarted(): boolean
  /** provide and put say how many peers they reached */
  log: Logger
}

/** how often expired provider and value records are swept at most (each sweep visits only expired ones) */
const SWEEP_INTERVAL = 60 * 60_000
/** a short `recordExpiry` sweeps as often, but never more often than this */
const MIN_SWEEP_INTERVAL = 50
/** peers told of a newer record after a get (entry correction) */
const MAX_CORRECTIONS = 8

export class Content implements ContentRouting {
  private readonly provided = new Map<string, CID>()
  /** the records this node put, re-put every `recordRepublishInterval` */
  private readonly published: RecordRepublisher
  private republishTimer?: ReturnType<typeof setInterval>
  private sweepTimer?: ReturnType<typeof setInterval>
  /** a republish round is under way: the next tick skips rather than start another */
  private republishing = false

  constructor(private readonly init: ContentInit) {
    this.published = new RecordRepublisher({
      interval: init.config.recordRepublishInterval,
      maxRecords: init.config.maxRepublishedRecords,
      reput: async (key, value, options) => {
        await validateRecord(init.validators, key, value, options)
        await this.storeAndSend(key, value, options)
      },
      stopSignal: init.stopSignal,
      isStarted: init.isStarted,
      log: init.log,
    })
  }

  start(): void {
    const { config } = this.init
    if (config.republishInterval > 0) {
      this.republishTimer = setInterval(() => {
        void this.republish()
      }, config.republishInterval)
      this.republishTimer.unref?.()
    }
    this.published.start()
    this.sweepTimer = setInterval(
      () => {
        const signal = this.init.stopSignal()
        void this.init.providers
          .sweep({ signal })
          .then(async () => this.init.records.sweep({ signal }))
          .catch(() => {})
      },
      Math.max(MIN_SWEEP_INTERVAL, Math.min(SWEEP_INTERVAL, config.recordExpiry)),
    )
    this.sweepTimer.unref?.()
  }

  stop(): void {
    clearInterval(this.republishTimer)
    this.published.stop()
    clearInterval(this.sweepTimer)
    this.republishTimer = undefined
    this.sweepTimer = undefined
  }

  /** Announces that we provide `cid` to the k peers closest to it, and keeps republishing it. */
  async provide(cid: CID, options: RoutingOptions = {}): Promise<void> {
    const key = cid.multihash.bytes
    const id = cid.toString()
    const max = this.init.config.maxProvidedKeys
    if (!this.provided.has(id) && this.provided.size >= max) {
      throw new DHTLimitError(`already providing ${max} keys, the limit`)
    }
    this.provided.set(id, cid)
    const self = this.init.self
    const multiaddrs = await this.init.addressesOf(self, options)
    await this.init.providers.add(key, self, multiaddrs, options)
    const { closest } = await this.init.lookup(key, options)
    const request: Partial<Message> = {
      type: Message.MessageType.ADD_PROVIDER,
      key: wireBytes(key),
      providerPeers: [
        {
          id: self.toMultihash().bytes,
          addrs: multiaddrs.map((addr) => addr.bytes),
          connection: Message.ConnectionType.NOT_CONNECTED,
        },
      ],
    }
    const reached = await this.sendToAll(closest, request, false, options)
    this.init.log('provide %s: reached %d of the %d closest peers', id, reached, closest.length)
  }

  async cancelReprovide(cid: CID): Promise<void> {
    this.provided.delete(cid.toString())
  }

  /** Providers of `cid`: ours first, then those the network knows, at most `count` (default 20). */
  async *findProviders(cid: CID, options: RoutingOptions & { count?: number } = {}): AsyncIterable<Provider> {
    const key = cid.multihash.bytes
    const count = options.count ?? 20
    const seen = new Set<string>()
    for (const record of await this.init.providers.get(key, { signal: options.signal, limit: count })) {
      if (seen.size >= count) return
      seen.add(record.peerId.toString())
      yield { id: record.peerId, multiaddrs: record.multiaddrs, routing: 'kad-dht' }
    }
    if (options.useNetwork === false || seen.size >= count) return
    // providers are yielded as replies bring them, while the lookup goes on
    const queue: Provider[] = []
    let wake = deferred<void>()
    let done = false
    let failure: Error | undefined
    const stop = new AbortController()
    const signal = anySignal([options.signal, stop.signal])
    this.init
      .lookup(key, {
        signal,
        request: { type: Message.MessageType.GET_PROVIDERS, key: wireBytes(key) },
        onReply: (_peer, reply) => {
          for (const wire of reply.providerPeers) {
            const provider = fromWire(wire)
            if (provider == null || seen.has(provider.peerId.toString())) continue
            seen.add(provider.peerId.toString())
            queue.push({ id: provider.peerId, multiaddrs: provider.multiaddrs, routing: 'kad-dht' })
            this.remember(provider)
            wake.resolve()
            if (seen.size >= count) return true
          }
          return undefined
        },
      })
      .then(
        () => {},
        (err: Error) => {
          failure = err
        },
      )
      .finally(() => {
        done = true
        wake.resolve()
      })
    try {
      while (true) {
        while (queue.length > 0) yield queue.shift()!
        if (done) break
        await wake.promise
        wake = deferred<void>()
      }
      if (failure != null && !stop.signal.aborted) throw failure
    } finally {
      // the consumer may stop early: end the lookup with it
      stop.abort(new Error('findProviders ended'))
      signal.clear()
    }
  }

  /**
   * Stores `value` under `key` locally and on the k peers closest to it, and
   * keeps re-putting it every `recordRepublishInterval` while the DHT runs
   * (a later put of the same key replaces the value; `cancelRepublish` ends it).
   */
  async put(key: Uint8Array, value: Uint8Array, options: RoutingOptions = {}): Promise<void> {
    const maxSize = this.init.config.maxRecordSize
    if (value.byteLength > maxSize) {
      throw new DHTLimitError(
        `record value of ${value.byteLength} bytes exceeds the limit of ${maxSize} bytes`,
      )
    }
    await validateRecord(this.init.validators, key, value, options)
    this.published.track(key, value)
    await this.storeAndSend(key, value, options)
  }

  /** Stops re-putting the record of `key`; what is stored on the network expires after `recordExpiry`. */
  cancelRepublish(key: Uint8Array): void {
    this.published.cancel(key)
  }

  /** Records this node keeps re-putting. */
  get republishedRecords(): number {
    return this.published.size
  }

  private async storeAndSend(key: Uint8Array, value: Uint8Array, options: RoutingOptions): Promise<void> {
    const record = await this.init.records.put(key, value, options)
    const { closest } = await this.init.lookup(key, options)
    const reached = await this.sendToAll(
      closest,
      { type: Message.MessageType.PUT_VALUE, key: wireBytes(key), record },
      true,
      options,
    )
    this.init.log('put %s: stored on %d of the %d closest peers', keyLabel(key), reached, closest.length)
  }

  /** The best valid value for `key` among ours and the network's; `NotFoundError` when nobody has one. */
  async get(key: Uint8Array, options: RoutingOptions = {}): Promise<Uint8Array> {
    const values: Array<{ value: Uint8Array; from?: PeerCandidate }> = []
    const local = await this.init.records.get(key, options)
    if (local?.value != null) {
      try {
        await validateRecord(this.init.validators, key, local.value, options)
        values.push({ value: local.value })
      } catch {
        // an old record that no longer validates is ignored
      }
    }
    if (options.useNetwork !== false && !(options.useCache === true && values.length > 0)) {
      const quorum = this.init.config.getQuorum
      const pending: Array<Promise<void>> = []
      await this.init.lookup(key, {
        ...options,
        request: { type: Message.MessageType.GET_VALUE, key: wireBytes(key) },
        onReply: (peer, reply) => {
          const record = reply.record
          const value = record?.value
          if (record?.key == null || value == null || !equalBytes(record.key, key)) return undefined
          pending.push(
            Promise.resolve(validateRecord(this.init.validators, key, value, options)).then(
              () => {
                values.push({ value, from: peer })
              },
              () => {},
            ),
          )
          return pending.length >= quorum ? true : undefined
        },
      })
      await Promise.all(pending)
    }
    if (values.length === 0) throw new NotFoundError('no peer of the DHT has a value for the key')
    const best =
      values[
        selectRecord(
          this.init.selectors,
          key,
          values.map((entry) => entry.value),
        )
      ]!.value
    this.correct(key, best, values, options)
    return best
  }

  /** Entry correction: peers that sent an older value get the best one (best effort, bounded). */
  private correct(
    key: Uint8Array,
    best: Uint8Array,
    values: Array<{ value: Uint8Array; from?: PeerCandidate }>,
    options: AbortOptions,
  ): void {
    const outdated = values
      .filter((entry) => entry.from != null && !equalBytes(entry.value, best))
      .slice(0, MAX_CORRECTIONS)
      .map((entry) => entry.from!)
    if (outdated.length === 0) return
    const record = { key: wireBytes(key), value: wireBytes(best), timeReceived: new Date().toISOString() }
    void this.sendToAll(outdated, { type: Message.MessageType.PUT_VALUE, key: record.key, record }, true, {
      signal: this.init.stopSignal(),
    }).catch(() => {})
    void options
  }

  /** One lookup at a time, at most `maxProvidedKeys` of them; a round still running when the next is due goes on alone. */
  private async republish(): Promise<void> {
    if (this.republishing) return
    this.republishing = true
    try {
      for (const cid of [...this.provided.values()]) {
        if (!this.init.isStarted()) return
        try {
          await this.provide(cid, { signal: this.init.stopSignal() })
        } catch {
          // the next round tries again
        }
      }
    } finally {
      this.republishing = false
    }
  }

  private remember(peer: PeerCandidate): void {
    if (peer.multiaddrs.length === 0) return
    this.init.rememberAddresses(peer.peerId, peer.multiaddrs)
  }

  private async sendToAll(
    peers: PeerCandidate[],
    request: Partial<Message>,
    expectReply: boolean,
    options: AbortOptions,
  ): Promise<number> {
    const signal = this.init.operationSignal(options)
    try {
      const results = await Promise.allSettled(
        peers.map(async (peer) =>
          this.init.network.send(peer.peerId, peer.multiaddrs, request, { signal, expectReply }),
        ),
      )
      return results.filter((result) => result.status === 'fulfilled').length
    } finally {
      signal.clear()
    }
  }
}
