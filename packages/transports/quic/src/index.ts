/** Placeholder: QUIC v1 lands here. */
export {}
