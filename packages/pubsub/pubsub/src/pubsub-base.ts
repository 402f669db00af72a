/**
 * The I/O shell both routers share: it registers the protocol handlers and
 * topologies, keeps one `PeerStreams` per peer, tracks which peers subscribe
 * to which topics, runs every received message through the signature policy,
 * the seen cache and the topic validators, and delivers `'message'` events.
 * A received message's id is computed before its signature is checked, so
 * copies cost no verification, and each peer's verifications per window are
 * rationed (`maxVerificationsPerPeer` per `verificationWindow`).
 * What to forward and to whom is the router's business: floodsub and
 * gossipsub subclass this and implement the `protected abstract` hooks.
 */
import {
  type AbortOptions,
  type Connection,
  type Logger,
  type PeerId,
  type Startable,
  type Stream,
  type StreamHandlerOptions,
  setMaxListeners,
  type Topology,
  TypedEventEmitter,
} from '@libp2p/interface'
import { anySignal } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { DEFAULT_RPC_LIMITS, decodeRpc, encodeRpc, type RPC, type RpcLimits } from './codec.js'
import {
  NoPeersSubscribedToTopicError,
  PubSubNotStartedError,
  PubSubStoppedError,
  type ValidationFailure,
} from './errors.js'
import {
  AuthorCache,
  buildMessage,
  defaultMsgId,
  type Message,
  type MsgIdFn,
  msgIdToString,
  parseMessage,
  type SignaturePolicy,
  type SignedMessage,
  StrictSign,
  type TopicValidatorFn,
  TopicValidatorResult,
  verifySignature,
} from './message.js'
import { PeerStreams } from './peer-streams.js'
import { type Clock, SeenCache } from './seen-cache.js'
import { TopicTable } from './topic-table.js'
import type {
  PublishResult,
  PubSubComponents,
  PubSubCounters,
  PubSubEvents,
  PubSubInit,
  ReceivedMessage,
  Subscription,
} from './types.js'
import { VerificationBudget } from './verification-budget.js'

export type {
  PublishResult,
  PubSubComponents,
  PubSubCounters,
  PubSubEvents,
  PubSubInit,
  ReceivedMessage,
  Subscription,
  SubscriptionChangeData,
} from './types.js'

/** peers remembered per message under verification, for P3 credit (the score keeps 64 too) */
const MAX_PEERS_PER_VERIFYING_MESSAGE = 64

export abstract class PubSubBase<Events extends PubSubEvents = PubSubEvents>
  extends TypedEventEmitter<Events>
  implements Startable
{
  readonly topicValidators = new Map<string, TopicValidatorFn>()
  readonly globalSignaturePolicy: SignaturePolicy
  readonly counters: PubSubCounters = {
    received: 0,
    duplicates: 0,
    rejected: 0,
    ignored: 0,
    accepted: 0,
    published: 0,
    graylistedRpcs: 0,
    droppedForLoad: 0,
    droppedOverBudget: 0,
    droppedRpcs: 0,
  }
  abstract readonly protocols: string[]

  protected readonly log: Logger
  protected readonly peers = new Map<string, PeerStreams>()
  /** topic → keys of the peers subscribed to it */
  protected readonly topics: TopicTable
  protected readonly subscriptions = new Set<string>()
  protected readonly seen: SeenCache
  protected readonly now: Clock
  protected readonly msgIdFn: MsgIdFn
  protected started = false
  protected shutdown = new AbortController()

  private readonly emitSelf: boolean
  private readonly allowPublishToZeroTopicPeers: boolean
  private readonly maxInboundDataLength: number
  private readonly maxOutboundBufferSize: number
  private readonly maxPeers: number
  private readonly maxSubscriptions: number
  private readonly maxPendingValidations: number
  private readonly rpcLimits: RpcLimits
  private readonly streamOptions: StreamHandlerOptions
  private readonly streamOpenTimeout: number
  /** ids of messages past their signature check whose topic validation is running */
  private readonly validating = new Set<string>()
  /** ids of messages whose signature is being checked → other peers that sent a copy meanwhile */
  private readonly verifying = new Map<string, Set<PeerStreams>>()
  private readonly authors = new AuthorCache()
  private readonly budget: VerificationBudget
  private topologyIds: string[] = []
  private sequence = BigInt(Date.now()) * 1_000_000n

  constructor(
    protected readonly components: PubSubComponents,
    init: PubSubInit,
    logName: string,
  ) {
    super()
    this.log = components.logger.forComponent(logName)
    this.globalSignaturePolicy = init.globalSignaturePolicy ?? StrictSign
    this.emitSelf = init.emitSelf ?? false
    this.allowPublishToZeroTopicPeers = init.allowPublishToZeroTopicPeers ?? false
    this.msgIdFn = init.msgIdFn ?? defaultMsgId
    this.maxInboundDataLength = init.maxInboundDataLength ?? 1024 * 1024
    this.maxOutboundBufferSize = init.maxOutboundBufferSize ?? 4 * 1024 * 1024
    this.maxPeers = init.maxPeers ?? 1024
    this.topics = new TopicTable(init.maxTopicsPerPeer ?? 256)
    this.maxSubscriptions = init.maxSubscriptions ?? 1024
    this.maxPendingValidations = init.maxPendingValidations ?? 1024
    this.rpcLimits = { ...DEFAULT_RPC_LIMITS, ...init.rpcLimits }
    this.streamOpenTimeout = init.streamOpenTimeout ?? 10_000
    this.now = init.now ?? Date.now
    this.seen = new SeenCache({ ttl: init.seenTTL, maxSize: init.maxSeenMessages, now: this.now })
    this.budget = new VerificationBudget({
      limit: init.maxVerificationsPerPeer ?? 512,
      window: init.verificationWindow ?? 1000,
      now: this.now,
    })
    this.streamOptions = {
      maxInboundStreams: init.maxInboundStreams ?? 2,
      maxOutboundStreams: init.maxOutboundStreams ?? 1,
      runOnLimitedConnection: init.runOnLimitedConnection ?? true,
    }
    this.onInboundStream = this.onInboundStream.bind(this)
  }

  // ---- router hooks ---------------------------------------------------------

  /** A peer speaking one of our protocols joined. */
  protected abstract onPeerAdded(peer: PeerStreams, connection: Connection): void
  protected abstract onPeerRemoved(peer: PeerStreams): void
  /** A peer (un)subscribed to `topic`. */
  protected abstract onPeerSubscription(peer: PeerStreams, topic: string, subscribe: boolean): void
  protected abstract onJoin(topic: string): void
  protected abstract onLeave(topic: string): void
  /** Whether to process RPCs from `peer` at all (gossipsub: graylist). */
  protected abstract acceptFrom(peer: PeerStreams): boolean
  /** A message we saw before arrived again. */
  protected abstract onDuplicate(idString: string, from: PeerStreams, topic: string): void
  /** A message passed the signature policy and is new (before topic validation). */
  protected abstract onFirstSeen(received: ReceivedMessage): void
  /** A message failed validation; `received` is undefined when no id could be computed. */
  protected abstract onRejected(
    from: PeerStreams,
    topic: string | undefined,
    failure: ValidationFailure,
    received?: ReceivedMessage,
  ): void
  protected abstract onIgnored(received: ReceivedMessage): void
  /** A validated message: relay it. */
  protected abstract forward(received: ReceivedMessage, frame: Uint8Array): void
  /** Our own message: choose recipients and send it; returns them. */
  protected abstract publishMessage(
    topic: string,
    idString: string,
    raw: RPC.Message,
    frame: Uint8Array,
  ): PeerId[]
  protected abstract handleControl(peer: PeerStreams, control: RPC.ControlMessage): void
  /**
   * A message from `peer` was dropped unverified: the peer used up its
   * verification budget for this window. `penalise` is true for the first
   * such drop of a window and once more per further `maxVerificationsPerPeer`
   * drops (gossipsub: a P7 behaviour penalty). Floodsub has no score.
   */
  protected onOverBudget(_peer: PeerStreams, _topic: string, _penalise: boolean): void {}

  // ---- lifecycle ------------------------------------------------------------

  isStarted(): boolean {
    return this.started
  }

  async start(): Promise<void> {
    if (this.started) return
    this.shutdown = new AbortController()
    // every stream being opened listens to it
    setMaxListeners(Number.POSITIVE_INFINITY, this.shutdown.signal)
    for (const protocol of this.protocols) {
      await this.components.registrar.handle(protocol, this.onInboundStream, this.streamOptions)
    }
    const topology: Topology = {
      notifyOnLimitedConnection: this.streamOptions.runOnLimitedConnection,
      onConnect: (peerId, connection) => this.onPeerConnected(peerId, connection),
      onDisconnect: (peerId) => this.removePeer(peerId.toString()),
    }
    this.started = true
    for (const protocol of this.protocols) {
      this.topologyIds.push(await this.components.registrar.register(protocol, topology))
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const id of this.topologyIds.splice(0)) this.components.registrar.unregister(id)
    for (const protocol of this.protocols) await this.components.registrar.unhandle(protocol)
    this.shutdown.abort(new PubSubStoppedError())
    for (const key of [...this.peers.keys()]) this.removePeer(key)
    this.topics.clear()
    this.subscriptions.clear()
    this.seen.clear()
    this.verifying.clear()
    this.validating.clear()
    this.budget.clear()
  }

  // ---- public API -------------------------------------------------------------

  getPeers(): PeerId[] {
    return [...this.peers.values()].map((peer) => peer.id)
  }

  getTopics(): string[] {
    return [...this.subscriptions]
  }

  getSubscribers(topic: string): PeerId[] {
    const keys = this.topics.get(topic)
    if (keys == null) return []
    const out: PeerId[] = []
    for (const key of keys) {
      const peer = this.peers.get(key)
      if (peer != null) out.push(peer.id)
    }
    return out
  }

  subscribe(topic: string): void {
    if (!this.started) throw new PubSubNotStartedError()
    if (typeof topic !== 'string' || topic === '') throw new TypeError('a topic must be a non-empty string')
    if (this.subscriptions.has(topic)) return
    if (this.subscriptions.size >= this.maxSubscriptions) {
      throw new RangeError(`already subscribed to the maximum of ${this.maxSubscriptions} topics`)
    }
    this.subscriptions.add(topic)
    this.broadcast(encodeRpc({ subscriptions: [{ subscribe: true, topic }] }))
    this.onJoin(topic)
  }

  unsubscribe(topic: string): void {
    if (!this.started) throw new PubSubNotStartedError()
    if (!this.subscriptions.delete(topic)) return
    this.onLeave(topic)
    this.broadcast(encodeRpc({ subscriptions: [{ subscribe: false, topic }] }))
  }

  async publish(
    topic: string,
    data: Uint8Array = new Uint8Array(0),
    options: AbortOptions = {},
  ): Promise<PublishResult> {
    if (!this.started) throw new PubSubNotStartedError()
    if (typeof topic !== 'string' || topic === '') throw new TypeError('a topic must be a non-empty string')
    options.signal?.throwIfAborted()
    const { raw, message } = await buildMessage(
      this.globalSignaturePolicy,
      this.components.privateKey,
      this.components.peerId,
      topic,
      data,
      ++this.sequence,
    )
    if (raw.data != null && raw.data.byteLength + 256 > this.maxInboundDataLength) {
      throw new RangeError(`a ${data.byteLength}-byte message is larger than peers accept`)
    }
    const idString = msgIdToString(this.msgIdFn(message))
    this.seen.add(idString)
    this.counters.published++
    const recipients = this.publishMessage(topic, idString, raw, encodeRpc({ messages: [raw] }))
    if (this.emitSelf && this.subscriptions.has(topic)) {
      this.safeDispatchEvent('message', { detail: message })
    }
    if (recipients.length === 0 && !this.allowPublishToZeroTopicPeers)
      throw new NoPeersSubscribedToTopicError(topic)
    return { recipients }
  }

  // ---- peers and streams ----------------------------------------------------

  protected sendRpc(peer: PeerStreams, rpc: Partial<RPC>): boolean {
    return peer.write(encodeRpc(rpc))
  }

  private broadcast(frame: Uint8Array): void {
    for (const peer of this.peers.values()) peer.write(frame)
  }

  private addPeer(peerId: PeerId, protocol: string, connection: Connection): PeerStreams | undefined {
    const key = peerId.toString()
    const existing = this.peers.get(key)
    if (existing != null) return existing
    if (this.peers.size >= this.maxPeers) {
      this.log('ignoring %p: already tracking %d peers', peerId, this.maxPeers)
      return undefined
    }
    const peer = new PeerStreams(peerId, protocol, {
      maxInboundDataLength: this.maxInboundDataLength,
      maxOutboundBufferSize: this.maxOutboundBufferSize,
      maxInboundStreams: this.streamOptions.maxInboundStreams ?? 2,
      log: this.log,
      onDrop: () => {
        this.counters.droppedRpcs++
      },
    })
    this.peers.set(key, peer)
    this.onPeerAdded(peer, connection)
    return peer
  }

  protected removePeer(key: string): void {
    const peer = this.peers.get(key)
    if (peer == null) return
    this.peers.delete(key)
    this.topics.removePeer(key)
    this.budget.remove(key)
    this.onPeerRemoved(peer)
    peer.close()
  }

  private onPeerConnected(peerId: PeerId, connection: Connection): void {
    if (!this.started || peerId.equals(this.components.peerId)) return
    const peer = this.addPeer(peerId, this.protocols[0], connection)
    if (peer == null || !peer.beginOpen()) return
    void this.openOutbound(peer, connection).finally(() => peer.endOpen())
  }

  private async openOutbound(peer: PeerStreams, connection: Connection): Promise<void> {
    const signal = anySignal([this.shutdown.signal], this.streamOpenTimeout)
    let stream: Stream
    try {
      stream = await connection.newStream(this.protocols, { signal })
    } catch (err) {
      this.log('could not open a pubsub stream to %p: %e', peer.id, err)
      return
    } finally {
      signal.clear()
    }
    if (!this.started || this.peers.get(peer.key) !== peer) {
      stream.abort(new PubSubStoppedError())
      return
    }
    peer.setOutbound(stream)
    // the first RPC tells the peer every topic we subscribe to
    if (this.subscriptions.size > 0) {
      this.sendRpc(peer, {
        subscriptions: [...this.subscriptions].map((topic) => ({ subscribe: true, topic })),
      })
    }
    this.onOutboundReady(peer)
  }

  /** The outbound stream to `peer` just opened (gossipsub re-sends GRAFTs here). */
  protected onOutboundReady(_peer: PeerStreams): void {}

  private onInboundStream(stream: Stream, connection: Connection): void {
    if (!this.started) {
      stream.abort(new PubSubStoppedError())
      return
    }
    const peer = this.addPeer(connection.remotePeer, stream.protocol, connection)
    if (peer == null) {
      stream.abort(new Error('too many pubsub peers'))
      return
    }
    peer.addInbound(stream, (frame) => this.onFrame(peer, frame))
    // a peer that dialed us may have no outbound stream from us yet
    if (peer.beginOpen()) void this.openOutbound(peer, connection).finally(() => peer.endOpen())
  }

  private onFrame(peer: PeerStreams, frame: Uint8ArrayList): void {
    if (!this.started || this.peers.get(peer.key) !== peer) return
    if (!this.acceptFrom(peer)) {
      this.counters.graylistedRpcs++
      return
    }
    const rpc = decodeRpc(frame, this.rpcLimits)
    if (rpc.subscriptions.length > 0) this.handleSubscriptions(peer, rpc.subscriptions)
    for (const raw of rpc.messages) this.handleMessage(peer, raw)
    if (rpc.control != null) this.handleControl(peer, rpc.control)
  }

  private handleSubscriptions(peer: PeerStreams, subscriptions: RPC.SubOpts[]): void {
    const changes: Subscription[] = []
    for (const { topic, subscribe } of subscriptions) {
      if (topic == null || topic === '') continue
      const subscribed = subscribe === true
      const changed = subscribed
        ? this.topics.subscribe(peer.key, topic)
        : this.topics.unsubscribe(peer.key, topic)
      if (!changed) continue
      changes.push({ topic, subscribe: subscribed })
      this.onPeerSubscription(peer, topic, subscribed)
    }
    if (changes.length > 0) {
      this.safeDispatchEvent('subscription-change', { detail: { peerId: peer.id, subscriptions: changes } })
    }
  }

  // ---- messages -----------------------------------------------------------

  /**
   * Everything before the first `await` runs here, synchronously for the
   * whole RPC: the id comes from what the message claims (`parseMessage`, no
   * signature check), so a copy of a message seen, being verified or being
   * validated is dropped (and credited to its sender for P3) without any
   * verification; only then does the sender's verification budget pay for a
   * signature check.
   */
  private handleMessage(peer: PeerStreams, raw: RPC.Message): void {
    this.counters.received++
    // we neither deliver nor relay topics we do not subscribe to: drop before any work
    if (raw.topic == null || !this.subscriptions.has(raw.topic)) {
      this.counters.ignored++
      return
    }
    const topic = raw.topic
    const signed = this.globalSignaturePolicy === StrictSign
    // with the default id (from + seqno) a copy is recognised from its raw bytes, before any parsing;
    // parseMessage accepts only the canonical encoding of `from`, so the two ids agree
    if (signed && this.msgIdFn === defaultMsgId && raw.from != null && raw.seqno?.byteLength === 8) {
      if (this.dropCopy(peer, msgIdToString(raw.from) + msgIdToString(raw.seqno), topic)) return
    }
    // parsing an author we have not met costs a key decoding: it is paid from the budget too
    let charged = false
    if (signed && raw.from != null && !this.authors.has(raw.from)) {
      if (!this.chargeVerification(peer, topic)) return
      charged = true
    }
    const parsed = parseMessage(this.globalSignaturePolicy, raw, this.authors)
    if ('failure' in parsed) {
      this.counters.rejected++
      this.onRejected(peer, topic, parsed.failure)
      return
    }
    const { message } = parsed
    let id: Uint8Array
    try {
      id = this.msgIdFn(message)
    } catch (err) {
      this.log('msgIdFn threw on a message from %p: %e', peer.id, err)
      this.counters.ignored++
      return
    }
    const idString = msgIdToString(id)
    if (this.dropCopy(peer, idString, topic)) return
    if (this.validating.size + this.verifying.size >= this.maxPendingValidations) {
      this.counters.droppedForLoad++
      return
    }
    if (message.type === 'signed' && !charged && !this.chargeVerification(peer, topic)) return
    const received: ReceivedMessage = { id, idString, raw, message, from: peer }
    let processing: Promise<void>
    if (message.type === 'unsigned') {
      processing = this.acceptNew(received)
    } else {
      this.verifying.set(idString, new Set())
      processing = this.verifyThenAccept(received, message)
    }
    processing.catch((err: Error) => this.log.error('processing a message failed: %e', err))
  }

  /** Whether message `idString` is seen, being verified or being validated: then the copy is counted and dropped. */
  private dropCopy(peer: PeerStreams, idString: string, topic: string): boolean {
    const verifying = this.verifying.get(idString)
    if (verifying != null) {
      // credited once the first copy checks out (a set: one entry per peer, bounded)
      this.counters.duplicates++
      if (verifying.size < MAX_PEERS_PER_VERIFYING_MESSAGE) verifying.add(peer)
      return true
    }
    if (this.seen.has(idString) || this.validating.has(idString)) {
      this.counters.duplicates++
      this.onDuplicate(idString, peer, topic)
      return true
    }
    return false
  }

  /** Takes one verification from `peer`'s budget; false (dropped, counted, maybe penalised) when none is left. */
  private chargeVerification(peer: PeerStreams, topic: string): boolean {
    const decision = this.budget.take(peer.key)
    if (decision === 'ok') return true
    this.counters.droppedOverBudget++
    this.onOverBudget(peer, topic, decision === 'drop-and-penalise')
    return false
  }

  private async verifyThenAccept(received: ReceivedMessage, message: SignedMessage): Promise<void> {
    const { idString, raw, from } = received
    let copies: Set<PeerStreams> | undefined
    let valid = false
    try {
      valid = await verifySignature(raw, message)
    } finally {
      // copies that arrived meanwhile were not verified: on failure they are simply dropped
      // (the id stays unseen, so a genuine copy arriving later is verified on its own)
      copies = this.verifying.get(idString)
      this.verifying.delete(idString)
    }
    if (!this.started) return
    if (!valid) {
      this.counters.rejected++
      this.onRejected(from, message.topic, 'invalid-signature')
      return
    }
    await this.acceptNew(received, copies)
  }

  /** A message that passed the signature policy and is new: mark it seen, run the topic validator, deliver, relay. */
  private async acceptNew(received: ReceivedMessage, copies?: Set<PeerStreams>): Promise<void> {
    const { idString, message, raw, from } = received
    this.validating.add(idString)
    try {
      this.seen.add(idString)
      this.onFirstSeen(received)
      for (const peer of copies ?? []) {
        if (peer !== from) this.onDuplicate(idString, peer, message.topic)
      }
      const result = await this.runTopicValidator(from, message)
      if (!this.started) return
      if (result === TopicValidatorResult.Reject) {
        this.counters.rejected++
        this.onRejected(from, message.topic, 'topic-validator-rejected', received)
        return
      }
      if (result === TopicValidatorResult.Ignore) {
        this.counters.ignored++
        this.onIgnored(received)
        return
      }
      this.counters.accepted++
      if (this.subscriptions.has(message.topic)) this.safeDispatchEvent('message', { detail: message })
      this.forward(received, encodeRpc({ messages: [raw] }))
    } finally {
      this.validating.delete(idString)
    }
  }

  private async runTopicValidator(from: PeerStreams, message: Message): Promise<TopicValidatorResult> {
    const validator = this.topicValidators.get(message.topic)
    if (validator == null) return TopicValidatorResult.Accept
    try {
      return await validator(from.id, message)
    } catch (err) {
      this.log('topic validator for %s threw: %e', message.topic, err)
      return TopicValidatorResult.Reject
    }
  }
}
