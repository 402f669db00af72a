/**
 * Stream muxer negotiation inside the Noise handshake
 * (libp2p/specs connections/inlined-muxer-negotiation.md, "Multiplexer
 * Negotiation over Noise"): the responder lists its muxers in message 2, the
 * initiator in message 3, and "the multiplexer to use is determined by picking
 * the first item from the initiator's list that both parties support".
 *
 * Where the spec says the handshake MUST fail without overlap, weft returns
 * no muxer instead: both sides then agree on nothing and the upgrader falls
 * back to multistream-select, as it does with peers that send no extension.
 */
export function selectStreamMuxer(
  initiatorMuxers: readonly string[],
  responderMuxers: readonly string[],
): string | undefined {
  if (responderMuxers.length === 0) return undefined
  const supported = new Set(responderMuxers)
  return initiatorMuxers.find((protocol) => supported.has(protocol))
}
