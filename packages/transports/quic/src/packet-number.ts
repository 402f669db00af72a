/**
 * Packet number truncation and recovery (RFC 9000 §17.1, Appendix A.2/A.3).
 * Full packet numbers run 0..2^62-1; here they are numbers (exact to 2^53).
 */

/**
 * How many bytes (1-4) to encode `packetNumber` in, given the largest packet
 * number the peer acknowledged (-1 when none): enough for twice the number
 * of unacknowledged packets plus one (RFC 9000 §17.1).
 */
export function packetNumberLength(packetNumber: number, largestAcknowledged: number): 1 | 2 | 3 | 4 {
  const unacknowledged = largestAcknowledged < 0 ? packetNumber + 1 : packetNumber - largestAcknowledged
  const range = unacknowledged * 2
  if (range < 2 ** 8) return 1
  if (range < 2 ** 16) return 2
  if (range < 2 ** 24) return 3
  return 4
}

/** The low `length` bytes of `packetNumber`, as written on the wire. */
export function truncatePacketNumber(packetNumber: number, length: 1 | 2 | 3 | 4): number {
  return packetNumber % 2 ** (8 * length)
}

/**
 * The full packet number closest to `largestReceived + 1` whose low
 * `length` bytes are `truncated` (RFC 9000 Appendix A.3). `largestReceived`
 * is -1 before the first packet of the space.
 */
export function decodePacketNumber(
  largestReceived: number,
  truncated: number,
  length: 1 | 2 | 3 | 4,
): number {
  const expected = largestReceived + 1
  const window = 2 ** (8 * length)
  const halfWindow = window / 2
  const candidate = expected - (expected % window) + truncated
  if (candidate <= expected - halfWindow && candidate < 2 ** 62 - window) return candidate + window
  if (candidate > expected + halfWindow && candidate >= window) return candidate - window
  return candidate
}
