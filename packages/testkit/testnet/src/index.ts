/**
 * @weft/testnet: Start networks of many weft hosts in one process (memory transport) for simulations and scale tests
 */
export {}
