/**
 * @weft/yamux: The yamux stream multiplexer (/yamux/1.0.0)
 */
export {}
