/**
 * Brings peers into a pubsub service: one `PeerStreams` per peer (at most
 * `maxPeers`), made when a topology reports a connection or when the peer
 * opens a stream to us, and the one outbound stream we open to each. What
 * the service does with a peer (its RPCs, its removal) goes through `hooks`.
 */
import type { Connection, Logger, PeerId, Stream } from '@libp2p/interface'
import { anySignal } from '@weft/utils'
import type { Uint8ArrayList } from 'uint8arraylist'
import { PubSubStoppedError } from './errors.js'
import { PeerStreams } from './peer-streams.js'

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
  }
}

export class PeerConnector {
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
    hooks.onOutboundReady(peer)
  }
}
