/**
 * The gossipsub router as a state machine without I/O: meshes, fanout,
 * backoffs, the message cache, peer scores, IWANT promises and IDONTWANT
 * sets. The shell (`GossipSub`) feeds it events and gives it a `RouterNetwork`
 * to send through; the clock and the random source are injected, so tests
 * drive it step by step (gossipsub-v1.0.md, -v1.1.md, -v1.2.md).
 */
import type { PeerId } from '@libp2p/interface'
import type { Clock, RPC } from '@weft/pubsub'
import { control, handleGraft, handleIDontWant, handleIHave, handleIWant, handlePrune } from './control.js'
import { runHeartbeat } from './heartbeat.js'
import { idToBytes, shuffle } from './ids.js'
import { MessageCache } from './message-cache.js'
import { FLOODSUB, GOSSIPSUB_V10, GOSSIPSUB_V12, type RouterOptions } from './options.js'
import { PeerScore } from './peer-score.js'
import type { PeerInfo, RouterNetwork, RouterState } from './router-state.js'
import type { PeerScoreParams, PeerScoreThresholds } from './score-params.js'

export interface RouterInit {
  options: RouterOptions
  scoreParams: PeerScoreParams
  thresholds: PeerScoreThresholds
  now?: Clock
  random?: () => number
}

export class GossipRouter implements RouterState {
  readonly mesh = new Map<string, Set<string>>()
  readonly fanout = new Map<string, Set<string>>()
  readonly fanoutLastPublished = new Map<string, number>()
  readonly peers = new Map<string, PeerInfo>()
  /** topic → peer → ms the backoff ends */
  readonly backoff = new Map<string, Map<string, number>>()
  /** message id → peer → ms by which it must have arrived */
  readonly promises = new Map<string, Map<string, number>>()
  readonly mcache: MessageCache
  readonly score: PeerScore
  readonly options: RouterOptions
  readonly thresholds: PeerScoreThresholds
  readonly now: Clock
  readonly random: () => number
  ticks = 0

  constructor(
    readonly network: RouterNetwork,
    init: RouterInit,
  ) {
    this.options = init.options
    this.thresholds = init.thresholds
    this.now = init.now ?? Date.now
    this.random = init.random ?? Math.random
    this.mcache = new MessageCache({
      historyLength: this.options.mcacheLength,
      gossipLength: this.options.mcacheGossip,
      maxMessages: this.options.mcacheMaxMessages,
    })
    this.score = new PeerScore(init.scoreParams, { now: this.now })
  }

  // ---- peers and topics -------------------------------------------------

  addPeer(key: string, protocol: string, outbound: boolean, id?: PeerId, ips: string[] = []): void {
    if (!this.peers.has(key)) {
      this.peers.set(key, {
        key,
        protocol,
        outbound,
        dontSend: new Map(),
        idontwantThisTick: 0,
        ihaveThisTick: 0,
        advertisedThisTick: 0,
        askedThisTick: 0,
        wantedThisTick: 0,
      })
    }
    this.score.addPeer(key, id, ips)
  }

  setProtocol(key: string, protocol: string): void {
    const info = this.peers.get(key)
    if (info != null) info.protocol = protocol
  }

  removePeer(key: string): void {
    if (!this.peers.delete(key)) return
    for (const [topic, peers] of this.mesh) {
      if (peers.delete(key)) this.score.prune(key, topic)
    }
    for (const peers of this.fanout.values()) peers.delete(key)
    this.score.removePeer(key)
  }

  isGossipPeer(key: string): boolean {
    const protocol = this.peers.get(key)?.protocol
    return protocol != null && protocol !== FLOODSUB
  }

  /** v1.1+ peers understand PX and backoff. */
  supportsPX(key: string): boolean {
    const protocol = this.peers.get(key)?.protocol
    return protocol != null && protocol !== FLOODSUB && protocol !== GOSSIPSUB_V10
  }

  onSubscription(key: string, topic: string, subscribe: boolean): void {
    if (subscribe) return
    // an unsubscribed peer leaves our mesh and fanout for the topic
    if (this.mesh.get(topic)?.delete(key) === true) this.score.prune(key, topic)
    this.fanout.get(topic)?.delete(key)
  }

  /** Whether RPCs from `key` are processed at all (v1.1 graylisting). */
  acceptFrom(key: string): boolean {
    return this.score.score(key) >= this.thresholds.graylistThreshold
  }

  /** We subscribed: build a mesh from the fanout and other peers, then GRAFT them (v1.0 "JOIN"). */
  join(topic: string): void {
    if (this.mesh.has(topic)) return
    const peers = new Set<string>()
    for (const key of this.fanout.get(topic) ?? []) {
      if (peers.size >= this.options.D) break
      if (this.score.score(key) >= 0 && !this.inBackoff(topic, key)) peers.add(key)
    }
    this.fanout.delete(topic)
    this.fanoutLastPublished.delete(topic)
    if (peers.size < this.options.D) {
      for (const key of this.candidates(
        topic,
        peers,
        (k) => this.score.score(k) >= 0,
        this.options.D - peers.size,
      )) {
        peers.add(key)
      }
    }
    this.mesh.set(topic, peers)
    for (const key of peers) {
      this.score.graft(key, topic)
      this.network.send(key, { control: control({ graft: [{ topicID: topic }] }) })
      this.network.onGraft?.(key, topic)
    }
  }

  /** We unsubscribed: PRUNE the mesh (v1.0 "LEAVE"), with the unsubscribe backoff. */
  leave(topic: string): void {
    const peers = this.mesh.get(topic)
    if (peers == null) return
    this.mesh.delete(topic)
    for (const key of peers) {
      this.score.prune(key, topic)
      this.network.send(key, {
        control: control({ prune: [this.makePrune(key, topic, false, this.options.unsubscribeBackoff)] }),
      })
      this.network.onPrune?.(key, topic)
    }
  }

  // ---- messages -----------------------------------------------------------

  /** A new message arrived from `from` (before topic validation). */
  onFirstSeen(id: string, topic: string, from: string, dataLength: number): void {
    this.promises.delete(id)
    this.score.validateMessage(id, from, topic)
    // v1.2: tell the rest of the mesh not to send us copies
    if (dataLength < this.options.idontwantMinDataSize) return
    const mesh = this.mesh.get(topic)
    if (mesh == null) return
    const idontwant = [{ messageIDs: [idToBytes(id)] }]
    for (const key of mesh) {
      if (key !== from && this.peers.get(key)?.protocol === GOSSIPSUB_V12) {
        this.network.send(key, { control: control({ idontwant }) })
      }
    }
  }

  onDuplicate(id: string, from: string, topic: string): void {
    this.score.duplicateMessage(id, from, topic)
  }

  onRejected(from: string, topic: string | undefined, id?: string): void {
    this.score.rejectMessage(from, topic, id)
  }

  onIgnored(id: string): void {
    this.score.ignoreMessage(id)
  }

  /** A validated message: cache it and send it to the mesh (and floodsub peers). */
  forward(
    id: string,
    raw: RPC.Message,
    topic: string,
    from: string,
    author: string | undefined,
    frame: Uint8Array,
  ): void {
    this.score.deliverMessage(id, from)
    this.mcache.put(id, raw, topic)
    const targets = new Set<string>()
    for (const key of this.mesh.get(topic) ?? []) targets.add(key)
    this.addFloodsubPeers(topic, targets)
    for (const key of targets) {
      if (key === from || key === author) continue
      if (this.peers.get(key)?.dontSend.has(id) === true) continue
      // a peer that sent us a copy has it already
      if (this.score.delivered(id, key)) continue
      this.network.sendFrame(key, frame)
    }
  }

  /** Our own message: flood-publish (v1.1) or mesh/fanout (v1.0). Returns the recipients. */
  publish(id: string, raw: RPC.Message, topic: string, frame: Uint8Array): string[] {
    this.mcache.put(id, raw, topic)
    const targets = new Set<string>()
    if (this.options.floodPublish) {
      for (const key of this.network.topicPeers(topic)) {
        if (this.score.score(key) >= this.thresholds.publishThreshold) targets.add(key)
      }
    } else {
      let peers = this.mesh.get(topic)
      if (peers == null) {
        peers = this.fanout.get(topic)
        if (peers == null || peers.size === 0) {
          peers = new Set(
            this.candidates(
              topic,
              new Set(),
              (k) => this.score.score(k) >= this.thresholds.publishThreshold,
              this.options.D,
            ),
          )
          this.fanout.set(topic, peers)
        }
        this.fanoutLastPublished.set(topic, this.now())
      }
      for (const key of peers) targets.add(key)
      this.addFloodsubPeers(topic, targets)
    }
    const sent: string[] = []
    for (const key of targets) if (this.network.sendFrame(key, frame)) sent.push(key)
    return sent
  }

  private addFloodsubPeers(topic: string, targets: Set<string>): void {
    if (!this.options.fallbackToFloodsub) return
    for (const key of this.network.topicPeers(topic)) {
      if (
        this.peers.get(key)?.protocol === FLOODSUB &&
        this.score.score(key) >= this.thresholds.publishThreshold
      ) {
        targets.add(key)
      }
    }
  }

  // ---- control ------------------------------------------------------------

  handleControl(from: string, ctrl: RPC.ControlMessage): void {
    if (!this.peers.has(from)) return
    const iwant = handleIHave(this, from, ctrl.ihave)
    const messages = handleIWant(this, from, ctrl.iwant)
    const prune = handleGraft(this, from, ctrl.graft)
    handlePrune(this, from, ctrl.prune)
    handleIDontWant(this, from, ctrl.idontwant)
    if (iwant.length > 0 || prune.length > 0) {
      this.network.send(from, { control: control({ iwant, prune }) })
    }
    // IWANT answers go in RPCs the peer accepts (1 MiB by default): one huge RPC would be refused whole
    let batch: RPC.Message[] = []
    let bytes = 0
    for (const message of messages) {
      const size = approximateSize(message)
      if (batch.length > 0 && bytes + size > IWANT_RPC_BYTES) {
        this.network.send(from, { messages: batch })
        batch = []
        bytes = 0
      }
      batch.push(message)
      bytes += size
    }
    if (batch.length > 0) this.network.send(from, { messages: batch })
  }

  // ---- helpers shared with the heartbeat --------------------------------

  makePrune(to: string, topic: string, px: boolean, backoffMs: number): RPC.ControlPrune {
    this.setBackoff(topic, to, backoffMs)
    const prune: RPC.ControlPrune = { topicID: topic, peers: [] }
    if (!this.supportsPX(to)) return prune
    prune.backoff = Math.ceil(backoffMs / 1000)
    if (px) {
      const exchange = this.candidates(
        topic,
        new Set([to]),
        (k) => this.score.score(k) >= 0,
        this.options.prunePeers,
        true,
      )
      prune.peers = exchange
        .map((key) => ({ peerID: this.peerIdBytes?.(key) }))
        .filter((p) => p.peerID != null)
    }
    return prune
  }

  /** Turns a peer key into peer id bytes for PX; set by the shell. */
  peerIdBytes?: (key: string) => Uint8Array<ArrayBuffer> | undefined

  setBackoff(topic: string, key: string, ms: number): void {
    let map = this.backoff.get(topic)
    if (map == null) {
      map = new Map()
      this.backoff.set(topic, map)
    }
    const until = this.now() + ms
    if ((map.get(key) ?? 0) < until) {
      map.delete(key)
      if (map.size < this.options.maxBackoffs) map.set(key, until)
    }
  }

  inBackoff(topic: string, key: string): boolean {
    return (this.backoff.get(topic)?.get(key) ?? 0) > this.now()
  }

  /** Up to `count` random gossipsub peers of `topic` not in `exclude` that pass `filter`. */
  candidates(
    topic: string,
    exclude: Set<string>,
    filter: (key: string) => boolean,
    count: number,
    allowBackoff = false,
  ): string[] {
    if (count <= 0) return []
    const out: string[] = []
    for (const key of this.network.topicPeers(topic)) {
      if (exclude.has(key) || !this.isGossipPeer(key)) continue
      if (!allowBackoff && this.inBackoff(topic, key)) continue
      if (filter(key)) out.push(key)
    }
    return shuffle(out, this.random).slice(0, count)
  }

  heartbeat(): void {
    runHeartbeat(this)
  }
}

/** bytes of messages per IWANT answer RPC, below the 1 MiB peers accept by default */
const IWANT_RPC_BYTES = 1_000_000

/** A message's encoded size, to within a few bytes of protobuf framing. */
function approximateSize(message: RPC.Message): number {
  return (
    16 +
    (message.from?.byteLength ?? 0) +
    (message.data?.byteLength ?? 0) +
    (message.seqno?.byteLength ?? 0) +
    (message.topic?.length ?? 0) * 3 +
    (message.signature?.byteLength ?? 0) +
    (message.key?.byteLength ?? 0)
  )
}
