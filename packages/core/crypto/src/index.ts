/**
 * @weft/crypto: Ed25519, secp256k1, ECDSA and RSA keys marshalled as the libp2p peer-id spec says, with node:crypto fast paths
 */
export {}
