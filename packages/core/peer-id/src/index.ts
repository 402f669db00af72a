/**
 * @weft/peer-id: libp2p peer ids: from keys, to and from base58btc multihash and CIDv1 strings
 */
export {}
