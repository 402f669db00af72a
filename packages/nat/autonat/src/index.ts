/**
 * @weft/autonat: AutoNAT v1 and v2, client and server: is this host publicly reachable
 */
export {}
