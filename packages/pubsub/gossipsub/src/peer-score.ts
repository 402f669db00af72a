/**
 * The gossipsub v1.1 peer score (gossipsub-v1.1.md "The Score Function"):
 * pure bookkeeping with an injected clock, no I/O.
 *
 *   score = Σ_topic topicWeight · (P1 + P2 + P3 + P3b + P4)  (positive part capped)
 *           + P5 + P6 + P7
 *
 * Message delivery records (which peers delivered a message, and whether it
 * turned out valid) feed P2, P3 and P4; they live for `deliveryRecordTTL` and
 * are capped in number, as are retained records of disconnected peers.
 */
import type { PeerId } from '@libp2p/interface'
import type { Clock } from '@weft/pubsub'
import type { PeerScoreParams, TopicScoreParams } from './score-params.js'

interface TopicStats {
  inMesh: boolean
  graftTime: number
  meshTime: number
  firstMessageDeliveries: number
  meshMessageDeliveries: number
  meshMessageDeliveriesActive: boolean
  meshFailurePenalty: number
  invalidMessageDeliveries: number
}

interface PeerStats {
  id?: PeerId
  connected: boolean
  /** when a disconnected peer's record may be dropped */
  expire: number
  topics: Map<string, TopicStats>
  ips: string[]
  behaviourPenalty: number
}

type DeliveryStatus = 'pending' | 'valid' | 'invalid' | 'ignored'

interface DeliveryRecord {
  status: DeliveryStatus
  firstSeen: number
  validated: number
  topic: string
  /** peers that delivered a copy (the first one included) */
  peers: Set<string>
}

export const DEFAULT_MAX_DELIVERY_RECORDS = 50_000
export const DEFAULT_DELIVERY_RECORD_TTL = 120_000
export const DEFAULT_MAX_SCORED_PEERS = 4096
export const DEFAULT_MAX_SCORED_TOPICS_PER_PEER = 64

export interface PeerScoreInit {
  now?: Clock
  /** delivery records kept at most (default 50 000) */
  maxDeliveryRecords?: number
  /** ms a delivery record lives (default 120 000) */
  deliveryRecordTTL?: number
  /** peers, connected or retained, tracked at most (default 4096) */
  maxPeers?: number
  /** topics scored per peer (default 64); past it, penalties go to P7 */
  maxTopicsPerPeer?: number
}

export class PeerScore {
  private readonly peers = new Map<string, PeerStats>()
  private readonly ips = new Map<string, Set<string>>()
  private readonly deliveries = new Map<string, DeliveryRecord>()
  private readonly now: Clock
  private readonly maxDeliveryRecords: number
  private readonly deliveryRecordTTL: number
  private readonly maxPeers: number
  private readonly maxTopicsPerPeer: number
  private lastDecay: number

  constructor(
    readonly params: PeerScoreParams,
    init: PeerScoreInit = {},
  ) {
    this.now = init.now ?? Date.now
    this.maxDeliveryRecords = init.maxDeliveryRecords ?? DEFAULT_MAX_DELIVERY_RECORDS
    this.deliveryRecordTTL = init.deliveryRecordTTL ?? DEFAULT_DELIVERY_RECORD_TTL
    this.maxPeers = init.maxPeers ?? DEFAULT_MAX_SCORED_PEERS
    this.maxTopicsPerPeer = init.maxTopicsPerPeer ?? DEFAULT_MAX_SCORED_TOPICS_PER_PEER
    this.lastDecay = this.now()
  }

  get trackedPeers(): number {
    return this.peers.size
  }

  private topicParams(topic: string): TopicScoreParams | undefined {
    return this.params.topics[topic] ?? this.params.defaultTopicParams
  }

  addPeer(key: string, id?: PeerId, ips: string[] = []): void {
    let stats = this.peers.get(key)
    if (stats == null) {
      if (this.peers.size >= this.maxPeers) this.evictOneRetained()
      stats = { id, connected: true, expire: 0, topics: new Map(), ips: [], behaviourPenalty: 0 }
      this.peers.set(key, stats)
    }
    stats.connected = true
    stats.id ??= id
    this.setIps(key, stats, ips)
  }

  removePeer(key: string): void {
    const stats = this.peers.get(key)
    if (stats == null) return
    // a peer leaving with a non-negative score keeps nothing worth retaining
    if (this.score(key) >= 0) {
      this.setIps(key, stats, [])
      this.peers.delete(key)
      return
    }
    for (const [topic, t] of stats.topics) {
      const params = this.topicParams(topic)
      if (t.inMesh && params != null && t.meshMessageDeliveriesActive) {
        const deficit = params.meshMessageDeliveriesThreshold - t.meshMessageDeliveries
        if (deficit > 0) t.meshFailurePenalty += deficit * deficit
      }
      t.inMesh = false
    }
    stats.connected = false
    stats.expire = this.now() + this.params.retainScore
  }

  graft(key: string, topic: string): void {
    const t = this.topicStats(key, topic)
    if (t == null) return
    t.inMesh = true
    t.graftTime = this.now()
    t.meshTime = 0
    t.meshMessageDeliveriesActive = false
  }

  prune(key: string, topic: string): void {
    const t = this.topicStats(key, topic)
    const params = this.topicParams(topic)
    if (t == null || params == null) return
    if (t.meshMessageDeliveriesActive) {
      const deficit = params.meshMessageDeliveriesThreshold - t.meshMessageDeliveries
      if (deficit > 0) t.meshFailurePenalty += deficit * deficit
    }
    t.inMesh = false
  }

  addPenalty(key: string, penalty: number): void {
    const stats = this.peers.get(key)
    if (stats != null) stats.behaviourPenalty += penalty
  }

  /** The first copy of a message arrived from `key`; validation follows. */
  validateMessage(id: string, key: string, topic: string): void {
    this.pruneDeliveries()
    if (this.deliveries.size >= this.maxDeliveryRecords) {
      const oldest = this.deliveries.keys().next()
      if (oldest.done !== true) this.deliveries.delete(oldest.value)
    }
    this.deliveries.set(id, {
      status: 'pending',
      firstSeen: this.now(),
      validated: 0,
      topic,
      peers: new Set([key]),
    })
  }

  /** The message passed validation: credit its first deliverer and near-first mesh copies. */
  deliverMessage(id: string, key: string): void {
    const record = this.deliveries.get(id)
    if (record == null) return
    record.status = 'valid'
    record.validated = this.now()
    this.markFirstDelivery(key, record.topic)
    for (const other of record.peers) if (other !== key) this.markDuplicateDelivery(other, record.topic)
  }

  /** The message (or the RPC entry) was invalid: P4 for the sender and every peer that forwarded a copy meanwhile. */
  rejectMessage(key: string, topic: string | undefined, id?: string): void {
    const record = id != null ? this.deliveries.get(id) : undefined
    if (record != null) {
      record.status = 'invalid'
      for (const peer of record.peers) this.markInvalidDelivery(peer, record.topic)
      return
    }
    if (topic != null && topic !== '') this.markInvalidDelivery(key, topic)
    else this.addPenalty(key, 1)
  }

  ignoreMessage(id: string): void {
    const record = this.deliveries.get(id)
    if (record != null) record.status = 'ignored'
  }

  duplicateMessage(id: string, key: string, topic: string): void {
    const record = this.deliveries.get(id)
    if (record == null || record.peers.has(key)) return
    if (record.peers.size < 64) record.peers.add(key)
    if (record.status === 'pending') return
    if (record.status === 'invalid') this.markInvalidDelivery(key, topic)
    else if (record.status === 'valid') {
      const params = this.topicParams(record.topic)
      if (params != null && this.now() - record.validated <= params.meshMessageDeliveriesWindow) {
        this.markDuplicateDelivery(key, record.topic)
      }
    }
  }

  /** Whether `key` sent us a copy of message `id` (so it needs no copy from us). */
  delivered(id: string, key: string): boolean {
    return this.deliveries.get(id)?.peers.has(key) === true
  }

  /** The score of `key` (0 for unknown peers). */
  score(key: string): number {
    const stats = this.peers.get(key)
    if (stats == null) return 0
    const now = this.now()
    let topicScore = 0
    for (const [topic, t] of stats.topics) {
      const params = this.topicParams(topic)
      if (params == null) continue
      let s = 0
      if (t.inMesh) {
        const meshTime = now - t.graftTime
        s += Math.min(meshTime / params.timeInMeshQuantum, params.timeInMeshCap) * params.timeInMeshWeight
      }
      s += t.firstMessageDeliveries * params.firstMessageDeliveriesWeight
      if (
        t.meshMessageDeliveriesActive ||
        (t.inMesh && now - t.graftTime > params.meshMessageDeliveriesActivation)
      ) {
        if (t.meshMessageDeliveries < params.meshMessageDeliveriesThreshold) {
          const deficit = params.meshMessageDeliveriesThreshold - t.meshMessageDeliveries
          s += deficit * deficit * params.meshMessageDeliveriesWeight
        }
      }
      s += t.meshFailurePenalty * params.meshFailurePenaltyWeight
      s += t.invalidMessageDeliveries * t.invalidMessageDeliveries * params.invalidMessageDeliveriesWeight
      topicScore += s * params.topicWeight
    }
    if (topicScore > this.params.topicScoreCap) topicScore = this.params.topicScoreCap
    let score = topicScore
    if (stats.id != null) score += this.params.appSpecificScore(stats.id) * this.params.appSpecificWeight
    for (const ip of stats.ips) {
      if (this.params.IPColocationFactorWhitelist.has(ip)) continue
      const surplus = (this.ips.get(ip)?.size ?? 0) - this.params.IPColocationFactorThreshold
      if (surplus > 0) score += surplus * surplus * this.params.IPColocationFactorWeight
    }
    const excess = stats.behaviourPenalty - this.params.behaviourPenaltyThreshold
    if (excess > 0) score += excess * excess * this.params.behaviourPenaltyWeight
    return score
  }

  /** Decays every counter once per `decayInterval` elapsed; call from the heartbeat. */
  refresh(): void {
    const now = this.now()
    const intervals = Math.floor((now - this.lastDecay) / this.params.decayInterval)
    if (intervals <= 0) return
    this.lastDecay += intervals * this.params.decayInterval
    const zero = this.params.decayToZero
    const decay = (value: number, factor: number): number => {
      const out = value * factor ** intervals
      return out < zero ? 0 : out
    }
    for (const [key, stats] of this.peers) {
      if (!stats.connected && stats.expire <= now) {
        this.setIps(key, stats, [])
        this.peers.delete(key)
        continue
      }
      for (const [topic, t] of stats.topics) {
        const params = this.topicParams(topic)
        if (params == null) continue
        t.firstMessageDeliveries = decay(t.firstMessageDeliveries, params.firstMessageDeliveriesDecay)
        t.meshMessageDeliveries = decay(t.meshMessageDeliveries, params.meshMessageDeliveriesDecay)
        t.meshFailurePenalty = decay(t.meshFailurePenalty, params.meshFailurePenaltyDecay)
        t.invalidMessageDeliveries = decay(t.invalidMessageDeliveries, params.invalidMessageDeliveriesDecay)
        if (t.inMesh) {
          t.meshTime = now - t.graftTime
          if (t.meshTime > params.meshMessageDeliveriesActivation) t.meshMessageDeliveriesActive = true
        }
      }
      stats.behaviourPenalty = decay(stats.behaviourPenalty, this.params.behaviourPenaltyDecay)
    }
    this.pruneDeliveries()
  }

  private topicStats(key: string, topic: string): TopicStats | undefined {
    const stats = this.peers.get(key)
    if (stats == null || this.topicParams(topic) == null) return undefined
    let t = stats.topics.get(topic)
    if (t == null) {
      if (stats.topics.size >= this.maxTopicsPerPeer) return undefined
      t = {
        inMesh: false,
        graftTime: 0,
        meshTime: 0,
        firstMessageDeliveries: 0,
        meshMessageDeliveries: 0,
        meshMessageDeliveriesActive: false,
        meshFailurePenalty: 0,
        invalidMessageDeliveries: 0,
      }
      stats.topics.set(topic, t)
    }
    return t
  }

  private markFirstDelivery(key: string, topic: string): void {
    const t = this.topicStats(key, topic)
    const params = this.topicParams(topic)
    if (t == null || params == null) return
    t.firstMessageDeliveries = Math.min(t.firstMessageDeliveries + 1, params.firstMessageDeliveriesCap)
    if (t.inMesh)
      t.meshMessageDeliveries = Math.min(t.meshMessageDeliveries + 1, params.meshMessageDeliveriesCap)
  }

  private markDuplicateDelivery(key: string, topic: string): void {
    const t = this.topicStats(key, topic)
    const params = this.topicParams(topic)
    if (t == null || params == null || !t.inMesh) return
    t.meshMessageDeliveries = Math.min(t.meshMessageDeliveries + 1, params.meshMessageDeliveriesCap)
  }

  private markInvalidDelivery(key: string, topic: string): void {
    const t = this.topicStats(key, topic)
    if (t != null) t.invalidMessageDeliveries += 1
    else this.addPenalty(key, 1)
  }

  private setIps(key: string, stats: PeerStats, ips: string[]): void {
    for (const ip of stats.ips) {
      const set = this.ips.get(ip)
      set?.delete(key)
      if (set?.size === 0) this.ips.delete(ip)
    }
    stats.ips = ips.slice(0, 4)
    for (const ip of stats.ips) {
      let set = this.ips.get(ip)
      if (set == null) {
        set = new Set()
        this.ips.set(ip, set)
      }
      set.add(key)
    }
  }

  private evictOneRetained(): void {
    for (const [key, stats] of this.peers) {
      if (!stats.connected) {
        this.setIps(key, stats, [])
        this.peers.delete(key)
        return
      }
    }
  }

  private pruneDeliveries(): void {
    const cutoff = this.now() - this.deliveryRecordTTL
    for (const [id, record] of this.deliveries) {
      if (record.firstSeen > cutoff) break
      this.deliveries.delete(id)
    }
  }
}
