/** Placeholder: @weft/port-mapping lands here. */
export {}
