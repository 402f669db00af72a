/** Placeholder: the playground lands here. */
export {}
