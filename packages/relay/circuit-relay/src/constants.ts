/** Protocol ids and defaults of circuit relay v2 (libp2p/specs relay/circuit-v2.md). */

export const HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'
export const STOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/stop'

/** Largest hop or stop message accepted (they carry a few addresses and a voucher). */
export const MAX_MESSAGE_SIZE = 4096

/** Reservations the relay holds at once (js-libp2p's default too). */
export const DEFAULT_MAX_RESERVATIONS = 15
/**
 * Reservations peers behind one IPv4 address (or IPv6 /64) may hold: peer ids
 * cost nothing, so without it one host takes every slot.
 */
export const DEFAULT_MAX_RESERVATIONS_PER_IP = 4
/** How long a reservation lasts before the client must refresh it: 2 hours. */
export const DEFAULT_RESERVATION_TTL = 2 * 60 * 60 * 1000
/** Longest a relayed circuit may stay open: 2 minutes. */
export const DEFAULT_DURATION_LIMIT = 2 * 60 * 1000
/** Bytes a relayed circuit may carry in each direction: 128 KiB. */
export const DEFAULT_DATA_LIMIT = 1n << 17n
/** Circuits open through the relay at once. */
export const DEFAULT_MAX_CIRCUITS = 64
/** Circuits one peer may have open (as source or destination) at once. */
export const DEFAULT_MAX_CIRCUITS_PER_PEER = 16
/** ms a hop or stop exchange may take. */
export const DEFAULT_HOP_TIMEOUT = 30_000
/** A client refreshes its reservation this long before it expires. */
export const REFRESH_MARGIN = 60_000
/** hop streams one connection may have open at the relay */
export const DEFAULT_MAX_INBOUND_HOP_STREAMS = 32
/** stop streams one connection may have open at the client */
export const DEFAULT_MAX_INBOUND_STOP_STREAMS = 32
/** relays a bare `/p2p-circuit` listen address reserves on */
export const DEFAULT_LISTEN_RESERVATIONS = 2
