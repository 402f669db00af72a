/**
 * @weft/noise: Noise XX_25519_ChaChaPoly_SHA256 connection encryption (the libp2p /noise protocol)
 */
export {}
