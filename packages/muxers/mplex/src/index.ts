/**
 * @weft/mplex: The mplex stream multiplexer (/mplex/6.7.0)
 */
export {}
