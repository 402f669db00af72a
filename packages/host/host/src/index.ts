/**
 * @weft/host: createHost(): the weft host with its upgrader, dialer, registrar, connection manager, peer store and address manager
 */
export {}
