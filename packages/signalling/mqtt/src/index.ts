/** Placeholder: @weft/mqtt-signalling lands here. */
export {}
