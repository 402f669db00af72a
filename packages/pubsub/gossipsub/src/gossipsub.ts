/**
 * The gossipsub service: @weft/pubsub's shell wired to a `GossipRouter`,
 * plus the heartbeat timer. Speaks `/meshsub/1.2.0`, `/meshsub/1.1.0`,
 * `/meshsub/1.0.0` and, for floodsub peers, `/floodsub/1.0.0`.
 */
import {
  type AbortOptions,
  type Connection,
  type DialTarget,
  type MessageStreamDirection,
  type PeerId,
  serviceCapabilities,
  serviceDependencies,
} from '@libp2p/interface'
import { peerIdFromBytes } from '@weft/peer-id'
import {
  type PeerStreams,
  PubSubBase,
  type PubSubComponents,
  type PubSubEvents,
  type ReceivedMessage,
  type RPC,
  type ValidationFailure,
} from '@weft/pubsub'
import { anySignal } from '@weft/utils'
import {
  FLOODSUB,
  GOSSIPSUB_V10,
  GOSSIPSUB_V11,
  GOSSIPSUB_V12,
  type GossipSubInit,
  pubSubInit,
  resolveConfig,
} from './options.js'
import { GossipRouter } from './router.js'

export interface GossipSubComponents extends PubSubComponents {
  /** used to dial peers learned through PX (optional) */
  connectionManager?: {
    openConnection(peer: DialTarget, options?: AbortOptions): Promise<Connection>
    /** a peer's connections, to reopen the outbound stream on (@weft/pubsub's `PubSubComponents`) */
    getConnections?(peerId?: PeerId): Connection[]
  }
}

export interface MeshPeer {
  peerId: string
  topic: string
  direction: MessageStreamDirection
}

export interface GossipSubEvents extends PubSubEvents {
  'gossipsub:heartbeat': CustomEvent
  'gossipsub:graft': CustomEvent<MeshPeer>
  'gossipsub:prune': CustomEvent<MeshPeer>
}

export class GossipSub extends PubSubBase<GossipSubEvents> {
  readonly protocols: string[]
  readonly router: GossipRouter
  readonly [Symbol.toStringTag] = '@weft/gossipsub'
  readonly [serviceCapabilities]: string[] = ['@libp2p/pubsub']

  private readonly heartbeatTimer: boolean
  private timeout?: ReturnType<typeof setTimeout>
  private interval?: ReturnType<typeof setInterval>
  private pendingDials = 0

  constructor(
    private readonly gossipComponents: GossipSubComponents,
    init: GossipSubInit = {},
  ) {
    super(gossipComponents, pubSubInit(init), 'weft:gossipsub')
    const config = resolveConfig(init)
    const options = config.router
    this.protocols = [GOSSIPSUB_V12, GOSSIPSUB_V11, GOSSIPSUB_V10]
    if (options.fallbackToFloodsub) this.protocols.push(FLOODSUB)
    this.heartbeatTimer = config.heartbeatTimer
    this.router = new GossipRouter(
      {
        send: (key, rpc) => this.sendTo(key, rpc),
        sendFrame: (key, frame) => this.peers.get(key)?.write(frame) ?? false,
        topicPeers: (topic) => this.topics.get(topic) ?? [],
        isSubscribed: (topic) => this.subscriptions.has(topic),
        seen: (id) => this.seen.has(id),
        dial: (bytes) => this.dialPX(bytes),
        onGraft: (key, topic) => this.meshEvent('gossipsub:graft', key, topic),
        onPrune: (key, topic) => this.meshEvent('gossipsub:prune', key, topic),
      },
      {
        options,
        scoreParams: config.scoreParams,
        thresholds: config.thresholds,
        now: this.now,
        random: config.random,
      },
    )
    this.router.peerIdBytes = (key) => this.peers.get(key)?.id.toMultihash().bytes as Uint8Array<ArrayBuffer>
  }

  /** Topologies fire once identify has told us a peer's protocols: without it, no peer ever joins. */
  get [serviceDependencies](): string[] {
    return ['@libp2p/identify']
  }

  override async start(): Promise<void> {
    if (this.started) return
    await super.start()
    if (this.heartbeatTimer) {
      const { heartbeatInitialDelay, heartbeatInterval } = this.router.options
      this.timeout = setTimeout(() => {
        this.timeout = undefined
        this.heartbeat()
        this.interval = setInterval(() => this.heartbeat(), heartbeatInterval)
      }, heartbeatInitialDelay)
    }
  }

  override async stop(): Promise<void> {
    clearTimeout(this.timeout)
    clearInterval(this.interval)
    this.timeout = undefined
    this.interval = undefined
    await super.stop()
    this.router.mesh.clear()
    this.router.fanout.clear()
    this.router.fanoutLastPublished.clear()
    this.router.promises.clear()
    this.router.backoff.clear()
  }

  /** Runs one heartbeat now (the timer calls it every `heartbeatInterval`). */
  heartbeat(): void {
    if (!this.started) return
    try {
      this.router.heartbeat()
    } catch (err) {
      this.log.error('heartbeat failed: %e', err)
    }
    this.safeDispatchEvent('gossipsub:heartbeat')
  }

  /** Peers in our mesh for `topic`, as peer id strings (as @libp2p/gossipsub returns them). */
  getMeshPeers(topic: string): string[] {
    return [...(this.router.mesh.get(topic) ?? [])]
  }

  /** The current score of a peer (0 if unknown). */
  getScore(peerId: string): number {
    return this.router.score.score(peerId)
  }

  private sendTo(key: string, rpc: Partial<RPC>): boolean {
    const peer = this.peers.get(key)
    return peer != null && this.sendRpc(peer, rpc)
  }

  private meshEvent(type: 'gossipsub:graft' | 'gossipsub:prune', key: string, topic: string): void {
    const direction = this.router.peers.get(key)?.outbound === true ? 'outbound' : 'inbound'
    this.safeDispatchEvent(type, { detail: { peerId: key, topic, direction } })
  }

  private dialPX(bytes: Uint8Array): void {
    const connectionManager = this.gossipComponents.connectionManager
    if (connectionManager == null || this.pendingDials >= this.router.options.maxPXDials) return
    let peerId: PeerId
    try {
      peerId = peerIdFromBytes(bytes)
    } catch {
      return
    }
    if (peerId.equals(this.components.peerId) || this.peers.has(peerId.toString())) return
    this.pendingDials++
    const signal = anySignal([this.shutdown.signal], 10_000)
    connectionManager
      .openConnection(peerId, { signal })
      .catch((err: Error) => this.log('PX dial to %p failed: %e', peerId, err))
      .finally(() => {
        signal.clear()
        this.pendingDials--
      })
  }

  // ---- hooks ------------------------------------------------------------------

  protected onPeerAdded(peer: PeerStreams, connection: Connection): void {
    this.router.addPeer(
      peer.key,
      peer.protocol,
      connection.direction === 'outbound',
      peer.id,
      ipsOf(connection),
    )
  }

  protected override onOutboundReady(peer: PeerStreams): void {
    this.router.setProtocol(peer.key, peer.protocol)
    // GRAFTs sent before the stream existed were dropped: send them again
    const graft: RPC.ControlGraft[] = []
    for (const [topic, mesh] of this.router.mesh) if (mesh.has(peer.key)) graft.push({ topicID: topic })
    if (graft.length > 0) {
      this.sendRpc(peer, { control: { graft, ihave: [], iwant: [], prune: [], idontwant: [] } })
    }
  }

  protected onPeerRemoved(peer: PeerStreams): void {
    this.router.removePeer(peer.key)
  }

  protected onPeerSubscription(peer: PeerStreams, topic: string, subscribe: boolean): void {
    this.router.onSubscription(peer.key, topic, subscribe)
  }

  protected onJoin(topic: string): void {
    this.router.join(topic)
  }

  protected onLeave(topic: string): void {
    this.router.leave(topic)
  }

  protected acceptFrom(peer: PeerStreams): boolean {
    return this.router.acceptFrom(peer.key)
  }

  protected onDuplicate(id: string, from: PeerStreams, topic: string): void {
    this.router.onDuplicate(id, from.key, topic)
  }

  protected onFirstSeen(received: ReceivedMessage): void {
    this.router.onFirstSeen(
      received.idString,
      received.message.topic,
      received.from.key,
      received.message.data.byteLength,
    )
  }

  protected onRejected(
    from: PeerStreams,
    topic: string | undefined,
    _failure: ValidationFailure,
    received?: ReceivedMessage,
  ): void {
    this.router.onRejected(from.key, topic, received?.idString)
  }

  protected override onOverBudget(peer: PeerStreams, _topic: string, penalise: boolean): void {
    // flooding us with messages to verify is misbehaviour: P7 (gossipsub-v1.1.md "The Score Function")
    if (penalise) this.router.score.addPenalty(peer.key, 1)
  }

  protected onIgnored(received: ReceivedMessage): void {
    this.router.onIgnored(received.idString)
  }

  protected forward(received: ReceivedMessage, frame: Uint8Array): void {
    const { message } = received
    const author = message.type === 'signed' ? message.from.toString() : undefined
    this.router.forward(received.idString, received.raw, message.topic, received.from.key, author, frame)
  }

  protected publishMessage(topic: string, id: string, raw: RPC.Message, frame: Uint8Array): PeerId[] {
    const out: PeerId[] = []
    for (const key of this.router.publish(id, raw, topic, frame)) {
      const peer = this.peers.get(key)
      if (peer != null) out.push(peer.id)
    }
    return out
  }

  protected handleControl(peer: PeerStreams, control: RPC.ControlMessage): void {
    this.router.handleControl(peer.key, control)
  }
}

/** The IP addresses of a connection's remote address, for P6. */
function ipsOf(connection: Connection): string[] {
  try {
    for (const component of connection.remoteAddr.getComponents()) {
      if (component.name === 'ip4' || component.name === 'ip6')
        return component.value != null ? [component.value] : []
    }
  } catch {
    // not every multiaddr has components we can read
  }
  return []
}
