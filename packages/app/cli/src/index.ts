/** Placeholder: the weft CLI and daemon land here. */
export {}
