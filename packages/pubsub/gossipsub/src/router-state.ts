/**
 * The router state the heartbeat (heartbeat.ts) and the control handlers
 * (control.ts) work on. `GossipRouter` implements it; they import this file,
 * not router.ts, so the router's modules form no cycle.
 */
import type { Clock, RPC } from '@weft/pubsub'
import type { MessageCache } from './message-cache.js'
import type { RouterOptions } from './options.js'
import type { PeerScore } from './peer-score.js'
import type { PeerScoreThresholds } from './score-params.js'

/** What the router needs from the network side. */
export interface RouterNetwork {
  /** sends one RPC to a peer; false when it was dropped */
  send(peer: string, rpc: Partial<RPC>): boolean
  /** sends an already framed RPC */
  sendFrame(peer: string, frame: Uint8Array): boolean
  /** peers subscribed to `topic` */
  topicPeers(topic: string): Iterable<string>
  /** whether we subscribe to `topic` */
  isSubscribed(topic: string): boolean
  /** whether a message id is in the seen cache */
  seen(id: string): boolean
  /** dial a peer learned through PX (optional) */
  dial?(peerId: Uint8Array): void
  /** GRAFT / PRUNE notifications for events */
  onGraft?(peer: string, topic: string): void
  onPrune?(peer: string, topic: string): void
}

export interface PeerInfo {
  key: string
  protocol: string
  outbound: boolean
  /** IDONTWANT ids from this peer → heartbeat tick they arrived */
  dontSend: Map<string, number>
  idontwantThisTick: number
  /** IHAVE RPCs, ids looked at in them, and ids we asked for, this heartbeat */
  ihaveThisTick: number
  advertisedThisTick: number
  askedThisTick: number
  /** ids looked at in this peer's IWANTs this heartbeat */
  wantedThisTick: number
}

/** What the heartbeat and the control handlers read and change of the router. */
export interface RouterState {
  readonly mesh: Map<string, Set<string>>
  readonly fanout: Map<string, Set<string>>
  readonly fanoutLastPublished: Map<string, number>
  readonly peers: Map<string, PeerInfo>
  /** topic → peer → ms the backoff ends */
  readonly backoff: Map<string, Map<string, number>>
  /** message id → peer → ms by which it must have arrived */
  readonly promises: Map<string, Map<string, number>>
  readonly mcache: MessageCache
  readonly score: PeerScore
  readonly options: RouterOptions
  readonly thresholds: PeerScoreThresholds
  readonly network: RouterNetwork
  readonly now: Clock
  readonly random: () => number
  /** heartbeats so far */
  ticks: number
  /** a PRUNE for `to`, with PX when asked and supported; sets our backoff for it */
  makePrune(to: string, topic: string, px: boolean, backoffMs: number): RPC.ControlPrune
  setBackoff(topic: string, key: string, ms: number): void
  /** up to `count` random gossipsub peers of `topic` not in `exclude` that pass `filter` */
  candidates(
    topic: string,
    exclude: Set<string>,
    filter: (key: string) => boolean,
    count: number,
    allowBackoff?: boolean,
  ): string[]
}
