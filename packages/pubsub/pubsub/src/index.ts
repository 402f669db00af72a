/**
 * @weft/pubsub: Shared pubsub machinery: RPC codec, message signing, peer streams, seen cache, topic validation
 */
export {}
