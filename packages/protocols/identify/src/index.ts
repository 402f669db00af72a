/**
 * @weft/identify: The libp2p identify and identify/push protocols
 */
export {}
