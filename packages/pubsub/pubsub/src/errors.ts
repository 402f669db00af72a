/**
 * Errors of the pubsub machinery. A malformed RPC is @libp2p/interface's
 * `InvalidMessageError` (re-exported), so code matching on `.name` works with
 * js-libp2p too.
 */
export { InvalidMessageError } from '@libp2p/interface'

/** `publish`/`subscribe` called while the service is stopped. */
export class PubSubNotStartedError extends Error {
  static override name = 'PubSubNotStartedError'
  override name = 'PubSubNotStartedError'
  constructor(message = 'the pubsub service is not started') {
    super(message)
  }
}

/** The service stopped while an operation was in flight. */
export class PubSubStoppedError extends Error {
  static override name = 'PubSubStoppedError'
  override name = 'PubSubStoppedError'
  constructor(message = 'the pubsub service stopped') {
    super(message)
  }
}

/** `publish` found no peer to send to and `allowPublishToZeroTopicPeers` is off. */
export class NoPeersSubscribedToTopicError extends Error {
  static override name = 'NoPeersSubscribedToTopicError'
  override name = 'NoPeersSubscribedToTopicError'
  constructor(readonly topic: string) {
    super(`no peer is subscribed to topic ${JSON.stringify(topic)}`)
  }
}

/** Why a received message was refused before topic validation. */
export type ValidationFailure =
  | 'missing-topic'
  | 'missing-signature'
  | 'missing-seqno'
  | 'invalid-seqno'
  | 'missing-from'
  | 'invalid-peer-id'
  | 'invalid-key'
  | 'key-mismatch'
  | 'invalid-signature'
  | 'signature-present'
  | 'seqno-present'
  | 'from-present'
  | 'message-too-large'
  | 'topic-validator-rejected'

/** A received message broke the signature policy or a validator rejected it. */
export class InvalidPubSubMessageError extends Error {
  static override name = 'InvalidPubSubMessageError'
  override name = 'InvalidPubSubMessageError'
  constructor(readonly reason: ValidationFailure) {
    super(`invalid pubsub message: ${reason}`)
  }
}
