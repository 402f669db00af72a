/**
 * The floodsub router (libp2p/specs pubsub/README.md; protocol
 * `/floodsub/1.0.0`): every new valid message goes to every peer subscribed
 * to its topic, except the peer it came from and its author.
 */
import { type PeerId, serviceCapabilities, serviceDependencies } from '@libp2p/interface'
import {
  type PeerStreams,
  PubSubBase,
  type PubSubComponents,
  type PubSubInit,
  type ReceivedMessage,
  type RPC,
} from '@weft/pubsub'

export const FLOODSUB_PROTOCOL = '/floodsub/1.0.0'

export type FloodSubInit = PubSubInit
export type FloodSubComponents = PubSubComponents

export class FloodSub extends PubSubBase {
  readonly protocols = [FLOODSUB_PROTOCOL]
  readonly [Symbol.toStringTag] = '@weft/floodsub'
  readonly [serviceCapabilities]: string[] = ['@libp2p/pubsub']

  constructor(components: FloodSubComponents, init: FloodSubInit = {}) {
    super(components, init, 'weft:floodsub')
  }

  /** Topologies fire once identify has told us a peer's protocols: without it, no peer ever joins. */
  get [serviceDependencies](): string[] {
    return ['@libp2p/identify']
  }

  protected onPeerAdded(): void {}
  protected onPeerRemoved(): void {}
  protected onPeerSubscription(): void {}
  protected onJoin(): void {}
  protected onLeave(): void {}
  protected acceptFrom(): boolean {
    return true
  }
  protected onDuplicate(): void {}
  protected onFirstSeen(): void {}
  protected onRejected(): void {}
  protected onIgnored(): void {}
  protected handleControl(): void {}

  protected forward(received: ReceivedMessage, frame: Uint8Array): void {
    const author = received.message.type === 'signed' ? received.message.from.toString() : undefined
    this.sendToTopic(received.message.topic, frame, (peer) => peer !== received.from && peer.key !== author)
  }

  protected publishMessage(topic: string, _id: string, _raw: RPC.Message, frame: Uint8Array): PeerId[] {
    return this.sendToTopic(topic, frame, () => true)
  }

  private sendToTopic(topic: string, frame: Uint8Array, include: (peer: PeerStreams) => boolean): PeerId[] {
    const sent: PeerId[] = []
    for (const key of this.topics.get(topic) ?? []) {
      const peer = this.peers.get(key)
      if (peer == null || !include(peer)) continue
      if (peer.write(frame)) sent.push(peer.id)
    }
    return sent
  }
}
