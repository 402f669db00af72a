/**
 * @weft/circuit-relay: circuit relay v2 (libp2p/specs relay/circuit-v2.md)
 * for weft and js-libp2p hosts.
 *
 * - `circuitRelayServer()`: the hop protocol. Grants reservations (with signed
 *   vouchers) and switches circuits to reserving peers, resetting a circuit
 *   that goes over its time or data limit.
 * - `circuitRelayTransport()`: the `/p2p-circuit` transport. Dials
 *   `<relay>/p2p/<relay id>/p2p-circuit/p2p/<target>`, accepts circuits on the
 *   stop protocol (over direct connections only: no circuit over a circuit), and "listens" on `<relay>/p2p/<relay id>/p2p-circuit` (a
 *   reservation on that relay) or a bare `/p2p-circuit` (reservations on up to
 *   `maxReservations` relays found through identify). Relayed connections
 *   carry `limits`: only protocols registered with `runOnLimitedConnection`
 *   run on them, and the client closes them itself when the duration passes
 *   or a direction goes over the data limit, whether or not the relay does.
 *
 * @example
 * ```ts
 * import { createHost } from '@weft/host'
 * import { circuitRelayServer, circuitRelayTransport } from '@weft/circuit-relay'
 *
 * const relay = await createHost({ ...base, services: { relay: circuitRelayServer() } })
 * const listener = await createHost({
 *   ...base,
 *   transports: [tcp(), circuitRelayTransport()],
 *   addresses: { listen: [`${relay.getMultiaddrs()[0]}/p2p-circuit`] },
 * })
 * const dialer = await createHost({ ...base, transports: [tcp(), circuitRelayTransport()] })
 * const connection = await dialer.dial(listener.getMultiaddrs().find(isCircuitAddress)!)
 * connection.limits // { seconds: 120, bytes: 131072n }
 * ```
 *
 * Server options (`CircuitRelayServerInit`): `maxReservations` (15),
 * `maxReservationsPerIp` (4, per IPv4 address or IPv6 /64),
 * `reservationTtl` (2 h), `durationLimit` (2 min), `dataLimit` (128 KiB per
 * direction), `maxCircuits` (64), `maxCircuitsPerPeer` (16), `hopTimeout`
 * (30 s), `maxInboundHopStreams` (32), `enforceLimits` (true; false only
 * announces the limits, for testing clients). Transport options
 * (`CircuitRelayTransportInit`): `timeout` (30 s), `maxReservations` (2),
 * `maxInboundStopStreams` (32), `autoReserve` (`'always'`; `'when-private'`
 * waits for @weft/autonat to report the host private).
 */
import type { Transport } from '@libp2p/interface'
import {
  CircuitRelayServer,
  type CircuitRelayServerComponents,
  type CircuitRelayServerInit,
} from './server.js'
import {
  CircuitRelayTransport,
  type CircuitRelayTransportComponents,
  type CircuitRelayTransportInit,
} from './transport.js'

export {
  type CircuitAddress,
  isCircuitAddress,
  isDialableCircuit,
  isListenableCircuit,
  parseCircuitAddress,
} from './addresses.js'
export { HopMessage, type Limit, Status, StopMessage } from './circuit.pb.js'
export { CircuitBridge, type CircuitBridgeInit } from './circuit-bridge.js'
export {
  type CircuitRelayServerConfig,
  type CircuitRelayTransportConfig,
  resolveServerConfig,
  resolveTransportConfig,
} from './config.js'
export * from './constants.js'
export * from './errors.js'
export { type AutoReserve, CircuitListener } from './listener.js'
export { type CircuitLimits, limitToConnectionLimits, limitToWire } from './messages.js'
export { RelayedConnection, type RelayedConnectionInit } from './relayed-connection.js'
export { type Reservation, reserve } from './reservation.js'
export { ReservationStore, type ReservationStoreInit, type ReserveResult } from './reservation-store.js'
export { ReservationVoucher, type ReservationVoucherInit } from './voucher.js'
export {
  CircuitRelayServer,
  type CircuitRelayServerComponents,
  type CircuitRelayServerInit,
  CircuitRelayTransport,
  type CircuitRelayTransportComponents,
  type CircuitRelayTransportInit,
}

/** The relay service (hop): `services: { relay: circuitRelayServer() }`. */
export function circuitRelayServer(
  init: CircuitRelayServerInit = {},
): (components: CircuitRelayServerComponents) => CircuitRelayServer {
  return (components) => new CircuitRelayServer(components, init)
}

/** The `/p2p-circuit` transport (stop, dialing, reservations): `transports: [circuitRelayTransport()]`. */
export function circuitRelayTransport(
  init: CircuitRelayTransportInit = {},
): (components: CircuitRelayTransportComponents) => Transport {
  return (components) => new CircuitRelayTransport(components, init)
}
