/**
 * @weft/record: Signed envelopes and peer records (libp2p RFC 0002 and 0003)
 */
export {}
