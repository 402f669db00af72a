/** Placeholder: @weft/network-report lands here. */
export {}
