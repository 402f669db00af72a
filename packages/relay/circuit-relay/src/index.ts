/**
 * @weft/circuit-relay: Circuit relay v2: hop (relay server), stop (client) and the /p2p-circuit transport
 */
export {}
