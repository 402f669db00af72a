/**
 * @weft/rendezvous: The libp2p rendezvous protocol, server and client
 */
export {}
