/** Placeholder: @weft/mainline-dht lands here. */
export {}
