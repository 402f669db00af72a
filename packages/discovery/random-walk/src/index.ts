/** Placeholder: the random-walk discovery module lands here. */
export {}
