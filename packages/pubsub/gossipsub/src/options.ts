/**
 * Gossipsub router parameters (gossipsub-v1.0.md "Parameters",
 * gossipsub-v1.1.md "Parameters", gossipsub-v1.2.md "Parameters"), with the
 * spec's defaults, and `resolveConfig`: a whole `GossipSubInit` made into a
 * checked config.
 */
import type { PubSubInit } from '@weft/pubsub'
import {
  defaultScoreParams,
  thresholds as makeThresholds,
  type PeerScoreParams,
  type PeerScoreThresholds,
} from './score-params.js'

export interface GossipSubInit extends PubSubInit, Partial<RouterOptions> {
  scoreParams?: Partial<PeerScoreParams>
  scoreThresholds?: Partial<PeerScoreThresholds>
  /** start the heartbeat timer on `start()` (default true; tests drive `heartbeat()` by hand) */
  heartbeatTimer?: boolean
  /** random source for peer selection (default Math.random) */
  random?: () => number
}

export const GOSSIPSUB_V10 = '/meshsub/1.0.0'
export const GOSSIPSUB_V11 = '/meshsub/1.1.0'
export const GOSSIPSUB_V12 = '/meshsub/1.2.0'
export const FLOODSUB = '/floodsub/1.0.0'

export interface RouterOptions {
  /** desired mesh degree */
  D: number
  /** mesh degree below which the heartbeat grafts */
  Dlo: number
  /** mesh degree above which the heartbeat prunes */
  Dhi: number
  /** peers kept by score when pruning an oversized mesh */
  Dscore: number
  /** outbound peers the mesh keeps at least */
  Dout: number
  /** peers gossip is sent to at least */
  Dlazy: number
  /** share of the eligible peers gossip goes to, when above Dlazy */
  gossipFactor: number
  /** ms between heartbeats */
  heartbeatInterval: number
  /** ms before the first heartbeat */
  heartbeatInitialDelay: number
  /** ms a fanout topic lives after our last publish to it */
  fanoutTTL: number
  /** heartbeats of messages the cache keeps, and of those gossiped */
  mcacheLength: number
  mcacheGossip: number
  /** messages the cache holds at most */
  mcacheMaxMessages: number
  /** peers offered in PRUNE peer exchange */
  prunePeers: number
  /** ms a pruned peer must wait before grafting again */
  pruneBackoff: number
  /** ms of backoff after we leave a topic */
  unsubscribeBackoff: number
  /** a GRAFT this soon into the backoff earns an extra penalty */
  graftFloodThreshold: number
  /** heartbeats between opportunistic grafts, and peers grafted each time */
  opportunisticGraftTicks: number
  opportunisticGraftPeers: number
  /** message ids per IHAVE we send or accept per peer and heartbeat */
  maxIHaveLength: number
  /** IHAVE messages accepted per peer and heartbeat */
  maxIHaveMessages: number
  /** times one peer gets the same message through IWANT */
  gossipRetransmission: number
  /** ms a peer has to answer our IWANT before it counts as a broken promise */
  iwantFollowupTime: number
  /** IWANT promises tracked at most */
  maxIWantPromises: number
  /** messages of at least this many bytes trigger IDONTWANT (v1.2) */
  idontwantMinDataSize: number
  /** IDONTWANT ids accepted per peer and heartbeat */
  idontwantMaxMessages: number
  /** heartbeats an IDONTWANT id is remembered */
  idontwantTicks: number
  /** publish to every peer of the topic above publishThreshold (v1.1) */
  floodPublish: boolean
  /** send and accept peer exchange on PRUNE */
  doPX: boolean
  /** peers a PX record may make us dial per heartbeat */
  maxPXDials: number
  /** send to floodsub peers too */
  fallbackToFloodsub: boolean
  /** backoff entries kept at most */
  maxBackoffs: number
}

export const DEFAULT_ROUTER_OPTIONS: Readonly<RouterOptions> = Object.freeze({
  D: 6,
  Dlo: 4,
  Dhi: 12,
  Dscore: 4,
  Dout: 2,
  Dlazy: 6,
  gossipFactor: 0.25,
  heartbeatInterval: 1000,
  heartbeatInitialDelay: 100,
  fanoutTTL: 60_000,
  mcacheLength: 5,
  mcacheGossip: 3,
  mcacheMaxMessages: 20_000,
  prunePeers: 16,
  pruneBackoff: 60_000,
  unsubscribeBackoff: 10_000,
  graftFloodThreshold: 10_000,
  opportunisticGraftTicks: 60,
  opportunisticGraftPeers: 2,
  maxIHaveLength: 5000,
  maxIHaveMessages: 10,
  gossipRetransmission: 3,
  iwantFollowupTime: 3000,
  maxIWantPromises: 10_000,
  idontwantMinDataSize: 512,
  idontwantMaxMessages: 512,
  idontwantTicks: 3,
  floodPublish: true,
  doPX: false,
  maxPXDials: 8,
  fallbackToFloodsub: true,
  maxBackoffs: 10_000,
})

export function routerOptions(overrides: Partial<RouterOptions> = {}): RouterOptions {
  const o = { ...DEFAULT_ROUTER_OPTIONS }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (o as Record<string, unknown>)[key] = value
  }
  // gossipsub-v1.1.md: Dlo ≤ D ≤ Dhi, Dscore ≤ Dhi, Dout < Dlo and Dout ≤ D/2
  if (!(o.Dlo <= o.D && o.D <= o.Dhi && o.Dlo >= 1))
    throw new RangeError('mesh degrees must satisfy 1 ≤ Dlo ≤ D ≤ Dhi')
  if (!(o.Dscore <= o.Dhi)) throw new RangeError('Dscore must not exceed Dhi')
  if (!(o.Dout < o.Dlo && o.Dout <= o.D / 2)) throw new RangeError('Dout must be below Dlo and at most D/2')
  if (!(o.heartbeatInterval > 0)) throw new RangeError('heartbeatInterval must be positive')
  return o
}

/** `GossipSubInit` beyond `PubSubInit`, with every default filled in and checked. */
export interface GossipSubConfig {
  readonly router: Readonly<RouterOptions>
  readonly scoreParams: PeerScoreParams
  readonly thresholds: PeerScoreThresholds
  /** start the heartbeat timer on `start()` */
  readonly heartbeatTimer: boolean
  readonly random?: () => number
}

/** Fills in defaults and checks them; throws a RangeError on a bad option. */
export function resolveConfig(init: GossipSubInit = {}): GossipSubConfig {
  return {
    router: routerOptions(init),
    scoreParams: defaultScoreParams(init.scoreParams),
    thresholds: makeThresholds(init.scoreThresholds),
    heartbeatTimer: init.heartbeatTimer ?? true,
    random: init.random,
  }
}

/** The `PubSubInit` gossipsub hands to @weft/pubsub: verification budgets run per heartbeat unless a window is given. */
export function pubSubInit(init: GossipSubInit): PubSubInit {
  return {
    ...init,
    verificationWindow:
      init.verificationWindow ?? init.heartbeatInterval ?? DEFAULT_ROUTER_OPTIONS.heartbeatInterval,
  }
}
