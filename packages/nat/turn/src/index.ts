/** Placeholder: the TURN client lands here. */
export {}
