/** gossipsub errors: the shared ones from @weft/pubsub. */
export {
  InvalidMessageError,
  InvalidPubSubMessageError,
  NoPeersSubscribedToTopicError,
  PubSubNotStartedError,
  PubSubStoppedError,
} from '@weft/pubsub'
