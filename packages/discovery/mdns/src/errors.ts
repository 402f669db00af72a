/** Errors of @weft/mdns. Bad configuration throws the built-in TypeError/RangeError. */

/** The multicast socket failed (cannot bind the port or join the group). */
export class MulticastSocketError extends Error {
  static override name = 'MulticastSocketError'
  override name = 'MulticastSocketError'
}
