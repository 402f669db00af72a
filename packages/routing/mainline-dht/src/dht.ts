/**
 * A Mainline DHT node: the KRPC layer, the routing table (who enters it:
 * node-admission.ts; kept fresh: refresher.ts), the query handlers
 * (responder.ts), the peer store and the lookups, wired together; start it,
 * bootstrap it from the nodes you name, then find nodes, get peers and
 * announce.
 */
import { setMaxListeners } from 'node:events'
import type { Logger } from '@libp2p/interface'
import { logger as defaultLogger, LightEventTarget } from '@weft/utils'
import { type Address, addressKey, type Family, familyOf, ID_LENGTH, type NodeContact } from './address.js'
import type { Bencodable } from './bencode.js'
import type { ItemSigner } from './bep44.js'
import type {
  AbortOptions,
  AnnounceOptions,
  AnnounceResult,
  LookupOptions,
  MainlineDHTEvents,
} from './dht-types.js'
import { DHTStoppedError, KrpcError } from './errors.js'
import { ExternalAddressVotes } from './external-address.js'
import { builtInHandlers } from './handlers.js'
import {
  type GetImmutableResult,
  type GetMutableOptions,
  type GetMutableResult,
  getImmutable,
  getMutable,
  type PutMutableOptions,
  type PutMutableResult,
  type PutResult,
  putImmutable,
  putMutable,
} from './item-client.js'
import { itemHandlers } from './item-handlers.js'
import { ItemStore } from './item-store.js'
import { type LookupReply, type LookupResult, lookup, lookupReply } from './lookup.js'
import type { Query, Response } from './message.js'
import { NodeAdmission } from './node-admission.js'
import { equalIds, idToHex, randomId, secureId } from './node-id.js'
import { type MainlineDHTInit, type QueryHandler, rpcInit } from './options.js'
import { PeerStore } from './peer-store.js'
import { Refresher } from './refresher.js'
import { Responder } from './responder.js'
import { RoutingTable } from './routing-table.js'
import { type QueryOptions, Rpc, type RpcCounters } from './rpc.js'
import { InfohashSampler, sampleHandler } from './samples.js'
import { Tokens } from './tokens.js'
import { dgramSocket } from './udp.js'

export type { AbortOptions, AnnounceOptions, AnnounceResult, LookupOptions, MainlineDHTEvents }

export class MainlineDHT extends LightEventTarget<MainlineDHTEvents> {
  readonly table: RoutingTable
  readonly peers: PeerStore
  /** BEP44 items put to us. */
  readonly items: ItemStore
  private readonly log: Logger
  private readonly tokens: Tokens
  private readonly responder: Responder
  private readonly admission: NodeAdmission
  private readonly refresher: Refresher
  private rpc?: Rpc
  private readonly families: Family[] = []
  private readonly votes: ExternalAddressVotes
  /** ends the timers and lookups of one run, from start() to stop(); renewed by the next start() */
  private lifetime = new AbortController()
  private stoppedOnce = false

  constructor(private readonly init: MainlineDHTInit = {}) {
    super()
    this.log = init.logger?.forComponent('weft:mainline-dht') ?? defaultLogger('weft:mainline-dht')
    const id =
      init.nodeId ?? (init.externalAddress === undefined ? randomId() : secureId(init.externalAddress))
    if (id.length !== ID_LENGTH) throw new TypeError(`a node id is ${ID_LENGTH} bytes, got ${id.length}`)
    this.votes = new ExternalAddressVotes(init.externalAddress)
    // every query in flight listens on it; maxInFlight bounds them
    setMaxListeners(Number.POSITIVE_INFINITY, this.lifetime.signal)
    this.table = new RoutingTable(id, { k: init.k, secureIds: init.secureIds, nodesPerIp: init.nodesPerIp })
    this.peers = new PeerStore(init.peerStore)
    this.tokens = new Tokens(init.tokenRotation)
    this.items = new ItemStore(init.itemStore)
    const context = {
      table: this.table,
      peers: this.peers,
      tokens: this.tokens,
      families: this.families,
      onAnnounce: (infohash: Uint8Array, peer: Address) =>
        this.safeDispatchEvent('announce', { detail: { infohash, peer } }),
    }
    const builtIn = {
      ...builtInHandlers(context),
      ...itemHandlers({ ...context, items: this.items }),
      sample_infohashes: sampleHandler(
        context,
        new InfohashSampler(() => this.peers.infohashes(), init.samples),
      ),
    }
    this.responder = new Responder({ id, log: this.log }, builtIn, init.handlers ?? {})
    this.admission = new NodeAdmission({
      table: this.table,
      families: this.families,
      ping: async (node) => this.query(node, 'ping', {}),
    })
    this.refresher = new Refresher({
      table: this.table,
      bootstrapNodes: init.bootstrap ?? [],
      refreshInterval: init.refreshInterval ?? 60_000,
      bucketStaleAfter: init.bucketStaleAfter,
      signal: () => this.lifetime.signal,
      running: () => this.running,
      bootstrap: async (nodes, options) => this.bootstrap(nodes, options),
      findNode: async (target, options) => this.findNode(target, options),
      sweep: () => {
        this.peers.sweep()
        this.items.sweep()
      },
    })
  }

  get id(): Uint8Array {
    return this.table.id
  }

  get running(): boolean {
    return this.rpc !== undefined
  }

  /** Our address as the majority of responders see it (or as configured). */
  get externalAddress(): string | undefined {
    return this.votes.external
  }

  /** KRPC traffic counters (sent, received, unsolicited answers, rate-limited queries, …). */
  get counters(): Readonly<RpcCounters> {
    return (
      this.rpc?.counters ?? { sent: 0, received: 0, unsolicited: 0, rateLimited: 0, malformed: 0, dropped: 0 }
    )
  }

  /** Queries awaiting an answer. */
  get inFlight(): number {
    return this.rpc?.pending ?? 0
  }

  /** The local socket addresses. */
  addresses(): Address[] {
    return this.rpc?.socket.addresses() ?? []
  }

  /** Registers (or replaces) the handler of a query type, e.g. BEP44's `get`/`put`. */
  handle(method: string, handler: QueryHandler): void {
    this.responder.handle(method, handler)
  }

  unhandle(method: string): void {
    this.responder.unhandle(method)
  }

  /** Binds the socket, starts the timers and, when bootstrap nodes were given, bootstraps. */
  async start(options: AbortOptions = {}): Promise<void> {
    if (this.rpc !== undefined) return
    // stop() closed the socket it was given; one it opened itself is opened anew
    if (this.stoppedOnce && this.init.socket !== undefined)
      throw new DHTStoppedError(
        'a Mainline DHT given its socket cannot start again after stop(): create a new one',
      )
    if (this.lifetime.signal.aborted) {
      this.lifetime = new AbortController()
      setMaxListeners(Number.POSITIVE_INFINITY, this.lifetime.signal)
    }
    const socket =
      this.init.socket ??
      (await dgramSocket({ host: this.init.host, host6: this.init.host6, port: this.init.port }))
    this.rpc = new Rpc(socket, rpcInit(this.init), this.init.hooks ?? {}, this.log)
    this.families.length = 0
    for (const address of socket.addresses()) {
      const family = familyOf(address.host) ?? 4
      if (!this.families.includes(family)) this.families.push(family)
    }
    this.rpc.queryHandler = (query, from) => this.answer(query, from)
    this.rpc.responseObserver = (response, from) => this.heard(response, from)
    this.refresher.start()
    this.log('started as %s on %s', idToHex(this.id), socket.addresses().map(addressKey).join(', '))
    if ((this.init.bootstrap ?? []).length > 0) await this.bootstrap(this.init.bootstrap ?? [], options)
  }

  async stop(): Promise<void> {
    const rpc = this.rpc
    if (rpc === undefined) return
    this.rpc = undefined
    this.stoppedOnce = true
    this.lifetime.abort(new DHTStoppedError())
    this.refresher.stop()
    await rpc.close()
    this.log('stopped')
  }

  /**
   * Asks each address for the nodes near our id, then looks our id up through
   * those that answered. Resolves with the routing table's size.
   */
  async bootstrap(nodes: readonly Address[], options: AbortOptions = {}): Promise<number> {
    await Promise.allSettled(
      nodes.slice(0, 64).map((node) => this.query(node, 'find_node', { target: this.id }, options)),
    )
    if (this.table.size > 0) await this.findNode(this.id, options)
    return this.table.size
  }

  /** Pings an address; when it answers it enters the routing table (btdht's `addNode`). */
  async ping(address: Address, options: AbortOptions = {}): Promise<Uint8Array> {
    const response = await this.query(address, 'ping', {}, options)
    return response.id
  }

  /**
   * Sends any query (`id` is added) and returns the response; the responder
   * enters the routing table, a timeout counts against it. For extensions.
   */
  async query(
    to: Address & { id?: Uint8Array },
    method: string,
    args: Record<string, Bencodable | undefined>,
    options: QueryOptions = {},
  ): Promise<Response> {
    const rpc = this.rpc
    if (rpc === undefined) throw new DHTStoppedError()
    const signal =
      options.signal === undefined
        ? this.lifetime.signal
        : AbortSignal.any([options.signal, this.lifetime.signal])
    try {
      return await rpc.query(to, method, { ...args, id: this.id }, { ...options, signal })
    } catch (err) {
      if (to.id !== undefined && !(err instanceof KrpcError) && !signal.aborted) this.table.failed(to.id)
      throw err
    }
  }

  /** The k nodes closest to `target` (iterative find_node). */
  async findNode(target: Uint8Array, options: AbortOptions = {}): Promise<LookupResult> {
    return this.lookup(target, 'find_node', { target }, options)
  }

  /** Peers announced for `infohash`, and the closest nodes with their tokens (iterative get_peers). */
  async getPeers(infohash: Uint8Array, options: AbortOptions = {}): Promise<LookupResult> {
    const result = await this.lookup(infohash, 'get_peers', { info_hash: infohash }, options)
    // peers announced to this node count too: in a small swarm it may be the closest one
    const known = new Set(result.peers.map(addressKey))
    const local = this.peers.get(infohash).filter((peer) => !known.has(addressKey(peer)))
    return local.length === 0 ? result : { ...result, peers: [...result.peers, ...local] }
  }

  /** BEP44: the immutable item whose bencoded value hashes to `target`. */
  async getImmutable(target: Uint8Array, options: AbortOptions = {}): Promise<GetImmutableResult> {
    return getImmutable(this, target, options)
  }

  /** BEP44: stores `value` on the k closest nodes to its SHA-1; `target` is where it lives. */
  async putImmutable(value: Bencodable, options: AbortOptions = {}): Promise<PutResult> {
    return putImmutable(this, value, options)
  }

  /** BEP44: the mutable item of `publicKey` (and `salt`) with the highest valid seq. */
  async getMutable(publicKey: Uint8Array, options: GetMutableOptions = {}): Promise<GetMutableResult> {
    return getMutable(this, publicKey, options)
  }

  /** BEP44: signs and stores a mutable item (seq one above the highest found, unless given). */
  async putMutable(
    signer: ItemSigner,
    value: Bencodable,
    options: PutMutableOptions = {},
  ): Promise<PutMutableResult> {
    return putMutable(this, signer, value, options)
  }

  /** get_peers, then announce_peer to the closest nodes that gave a token. */
  async announce(infohash: Uint8Array, options: AnnounceOptions = {}): Promise<AnnounceResult> {
    const implied = options.impliedPort === true || options.port === undefined
    const port = options.port ?? this.addresses()[0]?.port ?? 0
    const result = await this.getPeers(infohash, options)
    const outcomes = await Promise.allSettled(
      result.closest
        .filter((node) => node.token !== undefined)
        .map((node) =>
          this.query(
            node,
            'announce_peer',
            { info_hash: infohash, port, token: node.token, implied_port: implied ? 1 : undefined },
            options,
          ),
        ),
    )
    const announced = outcomes.filter((outcome) => outcome.status === 'fulfilled').length
    this.log('announced %s to %d nodes', idToHex(infohash), announced)
    return { announced, lookup: result }
  }

  /**
   * An iterative lookup with any query (`target` steers it; `args` are sent
   * with `want`): `onResponse` sees every answer, for BEP44 `get` and
   * extensions. Resolves with the closest nodes that answered and their tokens.
   */
  async lookup(
    target: Uint8Array,
    method: string,
    args: Record<string, Bencodable | undefined>,
    options: LookupOptions = {},
  ): Promise<LookupResult> {
    if (this.rpc === undefined) throw new DHTStoppedError()
    const k = this.table.k
    const want = this.families.length > 1 ? ['n4', 'n6'] : undefined
    const own = new Set(this.addresses().map(addressKey))
    const ask = async (node: NodeContact, signal: AbortSignal): Promise<LookupReply> => {
      const response = await this.query(node, method, { ...args, want }, { signal })
      options.onResponse?.(response, node)
      return lookupReply(
        response,
        k,
        (contact) =>
          this.families.includes(familyOf(contact.host) ?? 4) &&
          !equalIds(contact.id, this.id) &&
          !own.has(addressKey(contact)),
      )
    }
    return lookup({
      target,
      seeds: this.table.closest(target, 2 * k),
      ask,
      k,
      alpha: this.init.alpha,
      signal: options.signal,
    })
  }

  private answer(query: Query, from: Address): void {
    const rpc = this.rpc
    if (rpc === undefined) return
    if (!query.readOnly) this.admission.offer({ id: query.id, host: from.host, port: from.port }, false)
    void this.responder.answer(rpc, query, from)
  }

  private heard(response: Response, from: Address): void {
    this.admission.offer({ id: response.id, host: from.host, port: from.port }, true)
    if (response.ip !== undefined) this.vote(response.ip.host, from.host)
  }

  /** BEP42 `ip`: adopt an external address once several distinct responders agree. */
  private vote(address: string, voter: string): void {
    if (!this.votes.vote(address, voter)) return
    this.log('external address %s', address)
    this.safeDispatchEvent('external-address', { detail: address })
  }
}
