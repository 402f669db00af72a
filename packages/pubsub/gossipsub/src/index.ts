/**
 * @weft/gossipsub: gossipsub v1.0/v1.1/v1.2 with peer scoring
 */
export {}
