/**
 * @weft/kad-dht: Kademlia DHT: peer and content routing per the libp2p kad-dht spec
 */
export {}
