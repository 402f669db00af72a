/** The public types of the pubsub shell: components, options, events, results. */
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  PeerId,
  PrivateKey,
  StreamHandler,
  StreamHandlerOptions,
  Topology,
} from '@libp2p/interface'
import type { RPC, RpcLimits } from './codec.js'
import type { Message, MsgIdFn, SignaturePolicy } from './message.js'
import type { PeerStreams } from './peer-streams.js'
import type { Clock } from './seen-cache.js'

export interface PubSubComponents {
  peerId: PeerId
  privateKey: PrivateKey
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
    register(protocol: string, topology: Topology, options?: AbortOptions): Promise<string>
    unregister(id: string): void
  }
  logger: ComponentLogger
  /**
   * the host's connections, to reopen an outbound stream on when the
   * connection it ran on closes and another to the peer stays (optional:
   * without it a lost outbound stream comes back only with a new topology
   * notification)
   */
  connectionManager?: { getConnections?(peerId?: PeerId): Connection[] }
}

export interface PubSubInit {
  /** StrictSign (default) or StrictNoSign */
  globalSignaturePolicy?: SignaturePolicy
  /** also emit our own published messages when subscribed (default false) */
  emitSelf?: boolean
  /** let `publish` succeed with no recipient (default false: it throws NoPeersSubscribedToTopicError) */
  allowPublishToZeroTopicPeers?: boolean
  /** message id function (default `defaultMsgId`: from + seqno, or sha256(data) unsigned) */
  msgIdFn?: MsgIdFn
  /** largest RPC accepted in bytes (default 1 MiB) */
  maxInboundDataLength?: number
  /** bytes queued per peer before RPCs to it are dropped (default 4 MiB) */
  maxOutboundBufferSize?: number
  /** peers tracked at once; more are ignored (default 1024) */
  maxPeers?: number
  /** topics one peer may subscribe to (default 256); more subscriptions are ignored */
  maxTopicsPerPeer?: number
  /** our own subscriptions at once (default 1024) */
  maxSubscriptions?: number
  /** seen-message cache time to live in ms (default 120 000) and size (default 100 000) */
  seenTTL?: number
  maxSeenMessages?: number
  /** messages being verified or validated at once; more are dropped (default 1024) */
  maxPendingValidations?: number
  /**
   * signature verifications one peer may cost us per `verificationWindow`
   * (default 512, about 50 ms of Ed25519 work); messages over it are dropped
   * unverified, counted in `droppedOverBudget` and reported to the router
   * (gossipsub: a P7 penalty). Copies of a known message cost none.
   */
  maxVerificationsPerPeer?: number
  /** ms of a verification budget window (default 1000; gossipsub: `heartbeatInterval`) */
  verificationWindow?: number
  /** limits applied when decoding each RPC */
  rpcLimits?: Partial<RpcLimits>
  /** streams per connection (defaults 2 inbound, 1 outbound) */
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** use relayed (limited) connections too (default true) */
  runOnLimitedConnection?: boolean
  /** ms a new outbound stream may take to open (default 10 000) */
  streamOpenTimeout?: number
  /** the clock seen cache, scoring and heartbeat read (default `Date.now`) */
  now?: Clock
}

export interface PublishResult {
  recipients: PeerId[]
}

export interface Subscription {
  topic: string
  subscribe: boolean
}

export interface SubscriptionChangeData {
  peerId: PeerId
  subscriptions: Subscription[]
}

export interface PubSubEvents {
  message: CustomEvent<Message>
  'subscription-change': CustomEvent<SubscriptionChangeData>
}

/** Running totals since start, for metrics and benchmarks. */
export interface PubSubCounters {
  /** message copies that arrived in RPCs (duplicates and invalid ones included) */
  received: number
  /** copies of messages already seen */
  duplicates: number
  /** messages that failed the signature policy or a topic validator */
  rejected: number
  /** messages a topic validator ignored */
  ignored: number
  /** new valid messages (delivered locally when subscribed, and relayed) */
  accepted: number
  /** messages we published */
  published: number
  /** RPCs ignored because their sender is graylisted */
  graylistedRpcs: number
  /** messages dropped because too many were being validated */
  droppedForLoad: number
  /** messages dropped unverified because their sender used up its verification budget */
  droppedOverBudget: number
  /** RPCs to peers dropped: their outbound buffer was full or no stream was open */
  droppedRpcs: number
}

/** What the shell knows about one received message, handed to the router hooks. */
export interface ReceivedMessage {
  id: Uint8Array
  idString: string
  raw: RPC.Message
  message: Message
  /** the peer that sent it to us */
  from: PeerStreams
}
