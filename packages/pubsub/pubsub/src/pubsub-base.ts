/**
 * The I/O shell both routers share: it registers the protocol handlers and
 * topologies, keeps one `PeerStreams` per peer (peer-connector.ts), tracks
 * which peers subscribe to which topics, hands every received message to
 * its `MessageReceiver` (id, duplicate check, verification budget,
 * signature policy, topic validators; see message-receiver.ts) and delivers
 * `'message'` events.
 * What to forward and to whom is the router's business: floodsub and
 * gossipsub subclass this and implement the `protected abstract` hooks.
 */
import {
  type AbortOptions,
  type Connection,
  type Logger,
  type PeerId,
  type Startable,
  type StreamHandlerOptions,
  setMaxListeners,
  type Topology,
  TypedEventEmitter,
} from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { decodeRpc, encodeRpc, type RPC, type RpcLimits } from './codec.js'
import { resolveConfig } from './config.js'
import {
  NoPeersSubscribedToTopicError,
  PubSubNotStartedError,
  PubSubStoppedError,
  type ValidationFailure,
} from './errors.js'
import {
  buildMessage,
  type MsgIdFn,
  msgIdToString,
  type SignaturePolicy,
  type TopicValidatorFn,
} from './message.js'
import { MessageReceiver } from './message-receiver.js'
import { PeerConnector } from './peer-connector.js'
import type { PeerStreams } from './peer-streams.js'
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
  private readonly maxSubscriptions: number
  private readonly rpcLimits: Readonly<RpcLimits>
  private readonly streamOptions: Required<
    Pick<StreamHandlerOptions, 'maxInboundStreams' | 'maxOutboundStreams' | 'runOnLimitedConnection'>
  >
  /** id, duplicate check, verification budget, signature, topic validator */
  private readonly receiver: MessageReceiver
  /** one PeerStreams per peer, and the streams it opens and accepts */
  private readonly connector: PeerConnector
  private topologyIds: string[] = []
  private sequence = BigInt(Date.now()) * 1_000_000n

  constructor(
    protected readonly components: PubSubComponents,
    init: PubSubInit,
    logName: string,
  ) {
    super()
    this.log = components.logger.forComponent(logName)
    const config = resolveConfig(init)
    this.globalSignaturePolicy = config.globalSignaturePolicy
    this.emitSelf = config.emitSelf
    this.allowPublishToZeroTopicPeers = config.allowPublishToZeroTopicPeers
    this.msgIdFn = config.msgIdFn
    this.maxInboundDataLength = config.maxInboundDataLength
    this.topics = new TopicTable(config.maxTopicsPerPeer)
    this.maxSubscriptions = config.maxSubscriptions
    this.rpcLimits = config.rpcLimits
    this.now = config.now
    this.seen = new SeenCache({ ttl: config.seenTTL, maxSize: config.maxSeenMessages, now: this.now })
    this.receiver = new MessageReceiver({
      signaturePolicy: this.globalSignaturePolicy,
      msgIdFn: this.msgIdFn,
      seen: this.seen,
      budget: new VerificationBudget({
        limit: config.maxVerificationsPerPeer,
        window: config.verificationWindow,
        now: this.now,
      }),
      topicValidators: this.topicValidators,
      counters: this.counters,
      maxPendingValidations: config.maxPendingValidations,
      log: this.log,
      hooks: {
        isStarted: () => this.started,
        isSubscribed: (topic) => this.subscriptions.has(topic),
        onDuplicate: (idString, from, topic) => this.onDuplicate(idString, from, topic),
        onFirstSeen: (received) => this.onFirstSeen(received),
        onRejected: (from, topic, failure, received) => this.onRejected(from, topic, failure, received),
        onIgnored: (received) => this.onIgnored(received),
        onOverBudget: (peer, topic, penalise) => this.onOverBudget(peer, topic, penalise),
        onAccepted: (received) => this.onAccepted(received),
      },
    })
    this.streamOptions = {
      maxInboundStreams: config.maxInboundStreams,
      maxOutboundStreams: config.maxOutboundStreams,
      runOnLimitedConnection: config.runOnLimitedConnection,
    }
    this.connector = new PeerConnector({
      peers: this.peers,
      self: components.peerId,
      maxPeers: config.maxPeers,
      maxInboundDataLength: this.maxInboundDataLength,
      maxOutboundBufferSize: config.maxOutboundBufferSize,
      maxInboundStreams: config.maxInboundStreams,
      streamOpenTimeout: config.streamOpenTimeout,
      runOnLimitedConnection: config.runOnLimitedConnection,
      log: this.log,
      hooks: {
        isStarted: () => this.started,
        protocols: () => this.protocols,
        shutdownSignal: () => this.shutdown.signal,
        onPeerAdded: (peer, connection) => this.onPeerAdded(peer, connection),
        onOutboundReady: (peer) => this.greet(peer),
        onFrame: (peer, frame) => this.onFrame(peer, frame),
        onDrop: () => {
          this.counters.droppedRpcs++
        },
        connectionsTo: (peer) => this.components.connectionManager?.getConnections?.(peer) ?? [],
      },
    })
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
      await this.components.registrar.handle(protocol, this.connector.onInboundStream, this.streamOptions)
    }
    const topology: Topology = {
      notifyOnLimitedConnection: this.streamOptions.runOnLimitedConnection,
      onConnect: (peerId, connection) => this.connector.onPeerConnected(peerId, connection),
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
    this.receiver.clear()
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

  protected removePeer(key: string): void {
    const peer = this.peers.get(key)
    if (peer == null) return
    this.peers.delete(key)
    this.topics.removePeer(key)
    this.receiver.removePeer(key)
    this.connector.forget(key)
    this.onPeerRemoved(peer)
    peer.close()
  }

  /** The outbound stream to `peer` just opened (gossipsub re-sends GRAFTs here). */
  protected onOutboundReady(_peer: PeerStreams): void {}

  /** Our first RPC on a new outbound stream tells the peer every topic we subscribe to. */
  private greet(peer: PeerStreams): void {
    if (this.subscriptions.size > 0) {
      this.sendRpc(peer, {
        subscriptions: [...this.subscriptions].map((topic) => ({ subscribe: true, topic })),
      })
    }
    this.onOutboundReady(peer)
  }

  private onFrame(peer: PeerStreams, frame: Uint8ArrayList): void {
    if (!this.started || this.peers.get(peer.key) !== peer) return
    if (!this.acceptFrom(peer)) {
      this.counters.graylistedRpcs++
      return
    }
    const rpc = decodeRpc(frame, this.rpcLimits)
    if (rpc.subscriptions.length > 0) this.handleSubscriptions(peer, rpc.subscriptions)
    for (const raw of rpc.messages) this.receiver.receive(peer, raw)
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

  /** A message passed every check: deliver it to our subscribers and let the router relay it. */
  private onAccepted(received: ReceivedMessage): void {
    const { message, raw } = received
    if (this.subscriptions.has(message.topic)) this.safeDispatchEvent('message', { detail: message })
    this.forward(received, encodeRpc({ messages: [raw] }))
  }
}
