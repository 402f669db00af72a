/**
 * @weft/tcp: TCP transport for weft and libp2p
 */
export {}
