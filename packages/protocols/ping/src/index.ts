/**
 * @weft/ping: The libp2p ping protocol
 */
export {}
