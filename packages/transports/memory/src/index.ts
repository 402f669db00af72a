/**
 * @weft/memory: In-process transport for tests and simulation
 */
export {}
