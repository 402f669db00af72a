/**
 * @weft/gossipsub: gossipsub v1.0, v1.1 and v1.2 (libp2p/specs
 * pubsub/gossipsub): meshes of D = 6 (Dlo 4, Dhi 12) kept by a 1 s heartbeat,
 * a message cache answering IWANT for IHAVE gossip, fanout for topics we
 * publish to without subscribing; v1.1 peer exchange on PRUNE, backoff, peer
 * scoring P1–P7 with gossip/publish/graylist thresholds, flood publishing,
 * opportunistic grafting and outbound mesh quotas; v1.2 IDONTWANT.
 *
 * ```ts
 * import { gossipsub } from '@weft/gossipsub'
 * const host = await createHost({ ..., services: { identify: identify(), pubsub: gossipsub() } })
 * const pubsub = host.services.pubsub
 * pubsub.subscribe('news')
 * pubsub.addEventListener('message', (evt) => console.log(evt.detail.topic, evt.detail.data))
 * await pubsub.publish('news', new TextEncoder().encode('hello'))
 * pubsub.getSubscribers('news'); pubsub.getMeshPeers('news')
 * ```
 *
 * Options (`GossipSubInit`): every @weft/pubsub `PubSubInit` option
 * (`globalSignaturePolicy` StrictSign, `msgIdFn`, `emitSelf`, bounds, `now`),
 * the router parameters (`D`, `Dlo`, `Dhi`, `Dscore`, `Dout`, `Dlazy`,
 * `gossipFactor`, `heartbeatInterval` 1000, `fanoutTTL` 60 s, `mcacheLength` 5,
 * `mcacheGossip` 3, `pruneBackoff` 60 s, `floodPublish` true, `doPX` false,
 * `idontwantMinDataSize` 512, …), `scoreParams`, `scoreThresholds`,
 * `heartbeatTimer` (true) and `random`.
 *
 * Hostile input: a received message's id is computed before its signature is
 * checked, so a copy of a message seen or being verified is dropped (still
 * counted for P3) without any verification; each peer may cost at most
 * `maxVerificationsPerPeer` (512) signature checks per `verificationWindow`
 * (default `heartbeatInterval`), messages over it are dropped unverified,
 * counted in `counters.droppedOverBudget` and earn a P7 behaviour penalty
 * (one for the first drop of a window, one more per further 512). Per peer
 * and heartbeat at most `maxIHaveLength` (5000) IHAVE ids and IWANT ids are
 * looked at; IWANT answers go out in RPCs under 1 MiB; repeated GRAFT/PRUNE
 * topics in one RPC are handled once; RPCs are capped by `rpcLimits` and
 * `maxInboundDataLength` (1 MiB), the queue to each peer by
 * `maxOutboundBufferSize` (4 MiB).
 *
 * The router (`GossipRouter`), the score (`PeerScore`) and the message cache
 * (`MessageCache`) are plain classes with an injected clock, exported for
 * tests and tools.
 */
import { GossipSub, type GossipSubComponents } from './gossipsub.js'
import type { GossipSubInit } from './options.js'

export {
  defaultMsgId,
  type Message,
  type MsgIdFn,
  type PublishResult,
  publicKeyMsgId,
  type SignaturePolicy,
  type SignedMessage,
  StrictNoSign,
  StrictSign,
  type Subscription,
  type SubscriptionChangeData,
  type TopicValidatorFn,
  TopicValidatorResult,
  type UnsignedMessage,
} from '@weft/pubsub'
export * from './errors.js'
export {
  GossipSub,
  type GossipSubComponents,
  type GossipSubEvents,
  type MeshPeer,
} from './gossipsub.js'
export { MessageCache, type MessageCacheInit } from './message-cache.js'
export {
  DEFAULT_ROUTER_OPTIONS,
  FLOODSUB,
  GOSSIPSUB_V10,
  GOSSIPSUB_V11,
  GOSSIPSUB_V12,
  type GossipSubConfig,
  type GossipSubInit,
  type RouterOptions,
  resolveConfig,
  routerOptions,
} from './options.js'
export { PeerScore, type PeerScoreInit } from './peer-score.js'
export { GossipRouter, type RouterInit } from './router.js'
export type { PeerInfo, RouterNetwork } from './router-state.js'
export {
  DEFAULT_THRESHOLDS,
  DEFAULT_TOPIC_PARAMS,
  defaultScoreParams,
  type PeerScoreParams,
  type PeerScoreThresholds,
  type TopicScoreParams,
  thresholds,
  validateScoreParams,
} from './score-params.js'

/** The gossipsub service factory: `gossipsub(init)(components)`. */
export function gossipsub(init: GossipSubInit = {}): (components: GossipSubComponents) => GossipSub {
  return (components) => new GossipSub(components, init)
}
