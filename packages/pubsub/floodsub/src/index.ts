/**
 * @weft/floodsub: floodsub: the libp2p flooding pubsub router
 */
export {}
