/**
 * @weft/mdns: libp2p mDNS peer discovery on real multicast
 */
export {}
