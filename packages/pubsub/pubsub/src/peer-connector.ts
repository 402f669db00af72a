/**
 * Brings peers into a pubsub service: one `PeerStreams` per peer (at most
 * `maxPeers`), made when a topology reports a connection or when the peer
 * opens a stream to us, and the one outbound stream we open to each. What
 * the service does with a peer (its RPCs, its removal) goes through `hooks`.
 *
 * A topology hears of a peer once, however many connections it has, so when
 * the connection our outbound stream ran on closes while another stays (a
 * relayed connection replaced by a hole-punched one), nobody would open a new
 * stream: the connector reopens it on the peer's best remaining connection.
 * A peer whose streams keep closing young is given up after `MAX_REOPENS`
 * in a row (its removal still comes from the topology).
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import { anySignal } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { PubSubStoppedError } from './errors.js'
import { PeerStreams } from './peer-streams.js'

/** reopens in a row for streams that lived less than `SETTLED_MS` before the connector stops trying */
const MAX_REOPENS = 3
const SETTLED_MS = 10_000

export interface PeerConnectorInit {
  /** the service's peers by key (the routers read this map) */
  peers: Map<string, PeerStreams>
  /** our own id: a topology may report it, and we do not peer with ourselves */
  self: PeerId
  maxPeers: number
  maxInboundDataLength: number
  maxOutboundBufferSize: number
  maxInboundStreams: number
  /** ms a new outbound stream may take to open */
  streamOpenTimeout: number
  /** open our streams on limited (relayed) connections too, as the handler accepts them */
  runOnLimitedConnection: boolean
  log: Logger
  hooks: {
    isStarted(): boolean
    /** the protocols we speak, preferred first */
    protocols(): string[]
    /** aborts when the service stops */
    shutdownSignal(): AbortSignal
    onPeerAdded(peer: PeerStreams, connection: Connection): void
    /** the outbound stream to `peer` just opened */
    onOutboundReady(peer: PeerStreams): void
    /** an RPC frame arrived from `peer` */
    onFrame(peer: PeerStreams, frame: Uint8ArrayList): void
    /** an RPC to a peer was dropped (its outbound buffer was full) */
    onDrop(): void
    /** the peer's open connections (the host's connection manager), to reopen an outbound stream on */
    connectionsTo(peer: PeerId): Connection[]
  }
}

export class PeerConnector {
  /** short-lived outbound streams in a row, by peer key (only peers being tracked) */
  private readonly reopens = new Map<string, number>()

  constructor(private readonly init: PeerConnectorInit) {}

  /** A topology reports a connection to a peer that speaks one of our protocols. */
  onPeerConnected(peerId: PeerId, connection: Connection): void {
    if (!this.init.hooks.isStarted() || peerId.equals(this.init.self)) return
    const peer = this.addPeer(peerId, this.init.hooks.protocols()[0], connection)
    if (peer == null || !peer.beginOpen()) return
    void this.openOutbound(peer, connection).finally(() => peer.endOpen())
  }

  /** The registrar's handler for our protocols. */
  readonly onInboundStream = (stream: Stream, connection: Connection): void => {
    if (!this.init.hooks.isStarted()) {
      stream.abort(new PubSubStoppedError())
      return
    }
    const peer = this.addPeer(connection.remotePeer, stream.protocol, connection)
    if (peer == null) {
      stream.abort(new Error('too many pubsub peers'))
      return
    }
    peer.addInbound(stream, (frame) => this.init.hooks.onFrame(peer, frame))
    // a peer that dialed us may have no outbound stream from us yet
    if (peer.beginOpen()) void this.openOutbound(peer, connection).finally(() => peer.endOpen())
  }

  private addPeer(peerId: PeerId, protocol: string, connection: Connection): PeerStreams | undefined {
    const { peers, maxPeers, log, hooks } = this.init
    const key = peerId.toString()
    const existing = peers.get(key)
    if (existing != null) return existing
    if (peers.size >= maxPeers) {
      log('ignoring %p: already tracking %d peers', peerId, maxPeers)
      return undefined
    }
    const peer = new PeerStreams(peerId, protocol, {
      maxInboundDataLength: this.init.maxInboundDataLength,
      maxOutboundBufferSize: this.init.maxOutboundBufferSize,
      maxInboundStreams: this.init.maxInboundStreams,
      log,
      onDrop: hooks.onDrop,
    })
    peers.set(key, peer)
    hooks.onPeerAdded(peer, connection)
    return peer
  }

  private async openOutbound(peer: PeerStreams, connection: Connection): Promise<void> {
    const { hooks } = this.init
    const signal = anySignal([hooks.shutdownSignal()], this.init.streamOpenTimeout)
    let stream: Stream
    try {
      stream = await connection.newStream(hooks.protocols(), {
        signal,
        runOnLimitedConnection: this.init.runOnLimitedConnection,
      })
    } catch (err) {
      this.init.log('could not open a pubsub stream to %p: %e', peer.id, err)
      return
    } finally {
      signal.clear()
    }
    if (!hooks.isStarted() || this.init.peers.get(peer.key) !== peer) {
      stream.abort(new PubSubStoppedError())
      return
    }
    peer.setOutbound(stream)
    const opened = Date.now()
    stream.addEventListener('close', () => this.onOutboundClosed(peer, Date.now() - opened), { once: true })
    hooks.onOutboundReady(peer)
  }

  /** Our outbound stream to `peer` closed: open another on a connection that is still there. */
  private onOutboundClosed(peer: PeerStreams, livedMs: number): void {
    const { hooks, peers } = this.init
    if (!hooks.isStarted() || peers.get(peer.key) !== peer) {
      this.reopens.delete(peer.key)
      return
    }
    if (peer.isWritable) return
    const count = livedMs >= SETTLED_MS ? 1 : (this.reopens.get(peer.key) ?? 0) + 1
    if (count > MAX_REOPENS) {
      this.init.log('not reopening a pubsub stream to %p: %d closed young in a row', peer.id, count - 1)
      return
    }
    const connection = this.bestConnection(peer.id)
    if (connection == null || !peer.beginOpen()) return
    this.reopens.set(peer.key, count)
    this.init.log('reopening the pubsub stream to %p on %a', peer.id, connection.remoteAddr)
    void this.openOutbound(peer, connection).finally(() => peer.endOpen())
  }

  /** An open connection to `peer`, a direct one first; a limited one only when we run on those. */
  private bestConnection(peer: PeerId): Connection | undefined {
    const open = this.init.hooks.connectionsTo(peer).filter((connection) => connection.status === 'open')
    return (
      open.find((connection) => connection.limits == null) ??
      (this.init.runOnLimitedConnection ? open[0] : undefined)
    )
  }

  /** Forgets what it kept of a peer the service removed. */
  forget(key: string): void {
    this.reopens.delete(key)
  }
}
