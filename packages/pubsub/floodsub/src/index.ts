/**
 * @weft/floodsub: floodsub, the simplest libp2p pubsub router
 * (`/floodsub/1.0.0`, libp2p/specs pubsub/README.md). Each new valid message
 * is sent to every connected peer subscribed to its topic. Runs as a service
 * in a weft host or in js-libp2p:
 *
 * ```ts
 * import { floodsub } from '@weft/floodsub'
 * const host = await createHost({ ..., services: { pubsub: floodsub() } })
 * host.services.pubsub.subscribe('news')
 * host.services.pubsub.addEventListener('message', (evt) => console.log(evt.detail.topic, evt.detail.data))
 * await host.services.pubsub.publish('news', new TextEncoder().encode('hello'))
 * ```
 *
 * Options are @weft/pubsub's `PubSubInit`: `globalSignaturePolicy`
 * (StrictSign), `emitSelf`, `allowPublishToZeroTopicPeers`, `msgIdFn`,
 * `maxInboundDataLength` (1 MiB), `maxOutboundBufferSize` (4 MiB), `maxPeers`,
 * `maxTopicsPerPeer`, `seenTTL`, `maxSeenMessages`, `maxVerificationsPerPeer`
 * (512 signature checks per peer per `verificationWindow` of 1000 ms; copies
 * of a known message cost none), …
 */
import { FloodSub, type FloodSubComponents, type FloodSubInit } from './floodsub.js'

export {
  type Message,
  type PublishResult,
  type SignedMessage,
  StrictNoSign,
  StrictSign,
  type SubscriptionChangeData,
  TopicValidatorResult,
  type UnsignedMessage,
} from '@weft/pubsub'
export { FLOODSUB_PROTOCOL, FloodSub, type FloodSubComponents, type FloodSubInit } from './floodsub.js'

/** The floodsub service factory: `floodsub(init)(components)`. */
export function floodsub(init: FloodSubInit = {}): (components: FloodSubComponents) => FloodSub {
  return (components) => new FloodSub(components, init)
}
