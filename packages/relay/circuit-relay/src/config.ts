/**
 * Options of the relay server and of the relay transport, filled in from the
 * defaults in constants.ts (each written once) and checked.
 */
import { checkInteger, checkNonNegative, checkPositive } from '@weft/utils'
import {
  DEFAULT_DATA_LIMIT,
  DEFAULT_DURATION_LIMIT,
  DEFAULT_HOP_TIMEOUT,
  DEFAULT_LISTEN_RESERVATIONS,
  DEFAULT_MAX_CIRCUITS,
  DEFAULT_MAX_CIRCUITS_PER_PEER,
  DEFAULT_MAX_INBOUND_HOP_STREAMS,
  DEFAULT_MAX_INBOUND_STOP_STREAMS,
  DEFAULT_MAX_RESERVATIONS,
  DEFAULT_MAX_RESERVATIONS_PER_IP,
  DEFAULT_RESERVATION_TTL,
} from './constants.js'
import type { AutoReserve } from './listener.js'
import type { CircuitRelayServerInit } from './server.js'
import type { CircuitRelayTransportInit } from './transport.js'

/** `CircuitRelayServerInit` with every default filled in and checked. */
export interface CircuitRelayServerConfig {
  readonly maxReservations: number
  readonly maxReservationsPerIp: number
  readonly reservationTtl: number
  readonly durationLimit: number
  readonly dataLimit: bigint
  readonly maxCircuits: number
  readonly maxCircuitsPerPeer: number
  readonly hopTimeout: number
  readonly maxInboundHopStreams: number
  readonly enforceLimits: boolean
}

/** Fills in the relay server's defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveServerConfig(init: CircuitRelayServerInit = {}): CircuitRelayServerConfig {
  const dataLimit = init.dataLimit ?? DEFAULT_DATA_LIMIT
  if (typeof dataLimit !== 'bigint' || dataLimit < 0n) {
    throw new RangeError(`dataLimit must be a bigint of 0 or more, got ${dataLimit}`)
  }
  return {
    maxReservations: checkInteger('maxReservations', init.maxReservations ?? DEFAULT_MAX_RESERVATIONS),
    maxReservationsPerIp: checkInteger(
      'maxReservationsPerIp',
      init.maxReservationsPerIp ?? DEFAULT_MAX_RESERVATIONS_PER_IP,
    ),
    reservationTtl: checkPositive('reservationTtl', init.reservationTtl ?? DEFAULT_RESERVATION_TTL),
    durationLimit: checkNonNegative('durationLimit', init.durationLimit ?? DEFAULT_DURATION_LIMIT),
    dataLimit,
    maxCircuits: checkInteger('maxCircuits', init.maxCircuits ?? DEFAULT_MAX_CIRCUITS),
    maxCircuitsPerPeer: checkInteger(
      'maxCircuitsPerPeer',
      init.maxCircuitsPerPeer ?? DEFAULT_MAX_CIRCUITS_PER_PEER,
    ),
    hopTimeout: checkPositive('hopTimeout', init.hopTimeout ?? DEFAULT_HOP_TIMEOUT),
    maxInboundHopStreams: checkInteger(
      'maxInboundHopStreams',
      init.maxInboundHopStreams ?? DEFAULT_MAX_INBOUND_HOP_STREAMS,
      1,
    ),
    enforceLimits: init.enforceLimits ?? true,
  }
}

/** `CircuitRelayTransportInit` with every default filled in and checked. */
export interface CircuitRelayTransportConfig {
  readonly timeout: number
  readonly maxReservations: number
  readonly maxInboundStopStreams: number
  readonly autoReserve: AutoReserve
}

/** Fills in the relay transport's defaults and checks ranges; throws a RangeError naming a bad option. */
export function resolveTransportConfig(init: CircuitRelayTransportInit = {}): CircuitRelayTransportConfig {
  return {
    timeout: checkPositive('timeout', init.timeout ?? DEFAULT_HOP_TIMEOUT),
    maxReservations: checkInteger('maxReservations', init.maxReservations ?? DEFAULT_LISTEN_RESERVATIONS),
    maxInboundStopStreams: checkInteger(
      'maxInboundStopStreams',
      init.maxInboundStopStreams ?? DEFAULT_MAX_INBOUND_STOP_STREAMS,
      1,
    ),
    autoReserve: init.autoReserve ?? 'always',
  }
}
