/** Placeholder: libp2p TLS lands here. */
export {}
