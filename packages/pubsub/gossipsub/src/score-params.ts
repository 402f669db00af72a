/**
 * Peer scoring parameters and thresholds (libp2p/specs
 * pubsub/gossipsub/gossipsub-v1.1.md "Peer Scoring", "Score Thresholds",
 * "Topic Parameter Calculation and Decay"). Names follow the spec.
 */
import type { PeerId } from '@libp2p/interface'

export interface TopicScoreParams {
  /** weight of this topic's score in the total */
  topicWeight: number
  /** P1: time in mesh */
  timeInMeshWeight: number
  timeInMeshQuantum: number
  timeInMeshCap: number
  /** P2: first message deliveries */
  firstMessageDeliveriesWeight: number
  firstMessageDeliveriesDecay: number
  firstMessageDeliveriesCap: number
  /** P3: mesh message delivery rate (weight ≤ 0) */
  meshMessageDeliveriesWeight: number
  meshMessageDeliveriesDecay: number
  meshMessageDeliveriesCap: number
  meshMessageDeliveriesThreshold: number
  meshMessageDeliveriesWindow: number
  meshMessageDeliveriesActivation: number
  /** P3b: sticky mesh delivery failures (weight ≤ 0) */
  meshFailurePenaltyWeight: number
  meshFailurePenaltyDecay: number
  /** P4: invalid messages (weight ≤ 0) */
  invalidMessageDeliveriesWeight: number
  invalidMessageDeliveriesDecay: number
}

export interface PeerScoreParams {
  /** per-topic parameters; topics not listed use `defaultTopicParams` when set */
  topics: Record<string, TopicScoreParams>
  /** parameters for topics missing from `topics` (a weft extension; undefined: unscored) */
  defaultTopicParams?: TopicScoreParams
  /** cap on the positive sum of topic scores */
  topicScoreCap: number
  /** P5: application-specific score */
  appSpecificScore: (peer: PeerId) => number
  appSpecificWeight: number
  /** P6: peers sharing an IP address */
  IPColocationFactorWeight: number
  IPColocationFactorThreshold: number
  IPColocationFactorWhitelist: Set<string>
  /** P7: behaviour penalty (weight ≤ 0) */
  behaviourPenaltyWeight: number
  behaviourPenaltyThreshold: number
  behaviourPenaltyDecay: number
  /** ms between decays */
  decayInterval: number
  /** counters under this become 0 */
  decayToZero: number
  /** ms the counters of a disconnected peer are kept */
  retainScore: number
}

export interface PeerScoreThresholds {
  /** below this no gossip is sent to or accepted from the peer */
  gossipThreshold: number
  /** below this our own messages are not flood-published to the peer */
  publishThreshold: number
  /** below this every RPC from the peer is ignored */
  graylistThreshold: number
  /** PX from a peer is accepted only above this */
  acceptPXThreshold: number
  /** median mesh score under which opportunistic grafting starts */
  opportunisticGraftThreshold: number
}

export const DEFAULT_THRESHOLDS: Readonly<PeerScoreThresholds> = Object.freeze({
  gossipThreshold: -10,
  publishThreshold: -50,
  graylistThreshold: -80,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 20,
})

/**
 * Topic parameters that reward staying in the mesh and delivering first, and
 * punish invalid messages hard enough that a handful graylists a peer for a
 * few seconds. P3 is off: its threshold depends on each topic's rate.
 */
export const DEFAULT_TOPIC_PARAMS: Readonly<TopicScoreParams> = Object.freeze({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 1,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.9,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.9,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.5,
})

export function defaultScoreParams(overrides: Partial<PeerScoreParams> = {}): PeerScoreParams {
  const params: PeerScoreParams = {
    topics: {},
    defaultTopicParams: { ...DEFAULT_TOPIC_PARAMS },
    topicScoreCap: 10,
    appSpecificScore: () => 0,
    appSpecificWeight: 10,
    IPColocationFactorWeight: -5,
    IPColocationFactorThreshold: 10,
    IPColocationFactorWhitelist: new Set(),
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 0,
    behaviourPenaltyDecay: 0.2,
    decayInterval: 1000,
    decayToZero: 0.1,
    retainScore: 3_600_000,
    ...overrides,
  }
  validateScoreParams(params)
  return params
}

/** Throws a RangeError naming the first parameter out of its allowed range. */
export function validateScoreParams(params: PeerScoreParams): void {
  const check = (ok: boolean, name: string): void => {
    if (!ok) throw new RangeError(`invalid peer score parameter ${name}`)
  }
  check(params.topicScoreCap >= 0, 'topicScoreCap')
  check(params.IPColocationFactorWeight <= 0, 'IPColocationFactorWeight')
  check(params.IPColocationFactorThreshold >= 1, 'IPColocationFactorThreshold')
  check(params.behaviourPenaltyWeight <= 0, 'behaviourPenaltyWeight')
  check(params.behaviourPenaltyDecay > 0 && params.behaviourPenaltyDecay < 1, 'behaviourPenaltyDecay')
  check(params.decayInterval >= 100, 'decayInterval')
  check(params.decayToZero > 0 && params.decayToZero < 1, 'decayToZero')
  const topics = Object.entries(params.topics)
  if (params.defaultTopicParams != null) topics.push(['(default)', params.defaultTopicParams])
  for (const [topic, t] of topics) {
    const name = (field: string): string => `${field} of topic ${topic}`
    check(t.topicWeight >= 0, name('topicWeight'))
    check(t.timeInMeshQuantum > 0, name('timeInMeshQuantum'))
    check(t.timeInMeshWeight >= 0 && t.timeInMeshCap >= 0, name('timeInMeshWeight'))
    check(t.firstMessageDeliveriesWeight >= 0, name('firstMessageDeliveriesWeight'))
    check(t.meshMessageDeliveriesWeight <= 0, name('meshMessageDeliveriesWeight'))
    check(t.meshFailurePenaltyWeight <= 0, name('meshFailurePenaltyWeight'))
    check(t.invalidMessageDeliveriesWeight <= 0, name('invalidMessageDeliveriesWeight'))
    for (const decay of [
      t.firstMessageDeliveriesDecay,
      t.meshMessageDeliveriesDecay,
      t.meshFailurePenaltyDecay,
      t.invalidMessageDeliveriesDecay,
    ]) {
      check(decay > 0 && decay < 1, name('decay'))
    }
  }
}

export function thresholds(overrides: Partial<PeerScoreThresholds> = {}): PeerScoreThresholds {
  const out = { ...DEFAULT_THRESHOLDS, ...overrides }
  if (
    !(out.gossipThreshold <= 0 && out.publishThreshold <= out.gossipThreshold) ||
    !(out.graylistThreshold <= out.publishThreshold) ||
    !(out.acceptPXThreshold >= 0 && out.opportunisticGraftThreshold >= 0)
  ) {
    throw new RangeError(
      'score thresholds must satisfy graylist ≤ publish ≤ gossip ≤ 0 ≤ acceptPX, opportunisticGraft',
    )
  }
  return out
}
