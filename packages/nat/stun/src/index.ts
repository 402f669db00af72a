/** Placeholder: the STUN client lands here. */
export {}
