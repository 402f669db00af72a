/**
 * @weft/pubsub: the machinery floodsub and gossipsub share (libp2p/specs
 * pubsub/README.md): the RPC codec (`rpc.proto`, generated with protons,
 * every repeated field bounded), message signing and the StrictSign /
 * StrictNoSign policies, message ids, a bounded seen-message cache with an
 * injectable clock, per-peer streams with bounded outbound buffers, topic
 * validators, and `PubSubBase`, the service shell a router subclasses.
 *
 * Applications use a router package (`@weft/floodsub`, `@weft/gossipsub`);
 * this package is for writing routers and for the shared types:
 *
 * ```ts
 * import { decodeRpc, encodeRpc, TopicValidatorResult } from '@weft/pubsub'
 * const frame = encodeRpc({ subscriptions: [{ subscribe: true, topic: 'news' }] })
 * pubsub.topicValidators.set('news', (peer, msg) => TopicValidatorResult.Accept)
 * ```
 *
 * Options (`PubSubInit`): `globalSignaturePolicy` (StrictSign), `emitSelf`
 * (false), `allowPublishToZeroTopicPeers` (false), `msgIdFn` (from + seqno),
 * `maxInboundDataLength` (1 MiB), `maxOutboundBufferSize` (4 MiB per peer),
 * `maxPeers` (1024), `maxTopicsPerPeer` (256), `maxSubscriptions` (1024),
 * `seenTTL` (120 s), `maxSeenMessages` (100 000), `maxPendingValidations`
 * (1024), `maxVerificationsPerPeer` (512 signature checks per peer per
 * `verificationWindow`, 1000 ms; messages over it are dropped unverified),
 * `rpcLimits`, stream limits, `now` (clock). Copies of a message seen or
 * being verified are dropped before any signature check.
 */
export {
  DEFAULT_RPC_LIMITS,
  decodeRpc,
  encodeRpc,
  isEmptyControl,
  RPC,
  type RpcLimits,
} from './codec.js'
export {
  DEFAULT_MAX_INBOUND_DATA_LENGTH,
  DEFAULT_MAX_INBOUND_STREAMS,
  DEFAULT_MAX_OUTBOUND_BUFFER_SIZE,
  DEFAULT_MAX_OUTBOUND_STREAMS,
  DEFAULT_MAX_PEERS,
  DEFAULT_MAX_PENDING_VALIDATIONS,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_MAX_TOPICS_PER_PEER,
  DEFAULT_MAX_VERIFICATIONS_PER_PEER,
  DEFAULT_STREAM_OPEN_TIMEOUT,
  DEFAULT_VERIFICATION_WINDOW,
  type PubSubConfig,
  resolveConfig,
} from './config.js'
export * from './errors.js'
export {
  AuthorCache,
  buildMessage,
  defaultMsgId,
  type Message,
  type MsgIdFn,
  msgIdToString,
  parseMessage,
  publicKeyMsgId,
  SIGN_PREFIX,
  type SignaturePolicy,
  type SignedMessage,
  StrictNoSign,
  StrictSign,
  seqnoBytes,
  signingBytes,
  type TopicValidatorFn,
  TopicValidatorResult,
  type UnsignedMessage,
  type ValidationResult,
  validateMessage,
  verifySignature,
} from './message.js'
export { PeerStreams, type PeerStreamsInit } from './peer-streams.js'
export {
  type PublishResult,
  PubSubBase,
  type PubSubComponents,
  type PubSubCounters,
  type PubSubEvents,
  type PubSubInit,
  type ReceivedMessage,
  type Subscription,
  type SubscriptionChangeData,
} from './pubsub-base.js'
export { type Clock, SeenCache, type SeenCacheInit } from './seen-cache.js'
export { TopicTable } from './topic-table.js'
export { VerificationBudget, type VerificationBudgetInit } from './verification-budget.js'
