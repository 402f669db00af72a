/**
 * @weft/multistream: multistream-select 1.0: dialer and listener, with optimistic selection
 */
export {}
