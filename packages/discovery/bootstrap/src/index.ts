/**
 * @weft/bootstrap: Dial a configured list of peers at start and on reconnect, with backoff
 */
export {}
