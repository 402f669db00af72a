/**
 * Options of the rendezvous client and point, their defaults (each written
 * once) and their checks. The point's registration limits are
 * `DEFAULT_REGISTRATION_LIMITS`, checked by `Registrations`.
 */
import { checkInteger, checkPositive } from '@weft/utils'
import type { RendezvousInit } from './client.js'
import { REGISTRATION_WIRE_OVERHEAD, type RegistrationLimits } from './registrations.js'
import type { RendezvousServerInit } from './server.js'
import { DEFAULT_MAX_RESPONSE_SIZE, MAX_DISCOVERED, REQUEST_OVERHEAD, RESPONSE_OVERHEAD } from './wire.js'

/** rendezvous points the client accepts */
export const MAX_POINTS = 32
/** namespaces the client accepts */
export const MAX_NAMESPACES = 64
/** the spec's default registration ttl, in seconds */
export const DEFAULT_TTL = 7200
export const DEFAULT_DISCOVER_INTERVAL = 60_000
export const DEFAULT_DISCOVER_LIMIT = 100
/** ms one request (client) or one stream (point) may take */
export const DEFAULT_TIMEOUT = 10_000
export const DEFAULT_MAX_REGISTRATIONS = 1000

export const DEFAULT_SERVER_MAX_RESPONSE_SIZE = 1024 * 1024
export const DEFAULT_MAX_DISCOVERS_PER_PEER = 2
export const DEFAULT_MAX_PENDING_RESPONSE_BYTES = 8 * 1024 * 1024
export const DEFAULT_MAX_REQUESTS_PER_STREAM = 100
export const DEFAULT_MAX_INBOUND_STREAMS = 8
export const DEFAULT_GC_INTERVAL = 60_000

/** `RendezvousInit` with every default filled in and checked. */
export interface RendezvousConfig {
  readonly rendezvousPoints: readonly string[]
  readonly namespaces: readonly string[]
  readonly ttl: number
  readonly discoverInterval: number
  readonly discoverLimit: number
  readonly timeout: number
  readonly maxRegistrations: number
}

/** Fills in the client's defaults and checks them; throws a RangeError naming a bad option. */
export function resolveClientConfig(init: RendezvousInit = {}): RendezvousConfig {
  const rendezvousPoints = init.rendezvousPoints ?? []
  const namespaces = [...(init.namespaces ?? [])]
  if (rendezvousPoints.length > MAX_POINTS) throw new RangeError(`at most ${MAX_POINTS} rendezvous points`)
  if (namespaces.length > MAX_NAMESPACES) throw new RangeError(`at most ${MAX_NAMESPACES} namespaces`)
  const config = {
    rendezvousPoints,
    namespaces,
    ttl: init.ttl ?? DEFAULT_TTL,
    discoverInterval: init.discoverInterval ?? DEFAULT_DISCOVER_INTERVAL,
    discoverLimit: checkInteger('discoverLimit', init.discoverLimit ?? DEFAULT_DISCOVER_LIMIT, 0),
    timeout: checkPositive('timeout', init.timeout ?? DEFAULT_TIMEOUT),
    maxRegistrations: checkInteger('maxRegistrations', init.maxRegistrations ?? DEFAULT_MAX_REGISTRATIONS, 1),
  }
  if (!(config.ttl > 0)) throw new RangeError(`ttl must be positive, got ${config.ttl}`)
  if (!(config.discoverInterval > 0)) {
    throw new RangeError(`discoverInterval must be positive, got ${config.discoverInterval}`)
  }
  return config
}

/** `RendezvousServerInit` with every default filled in and checked (the registration limits apart). */
export interface RendezvousServerConfig {
  readonly maxMessageSize: number
  readonly maxResponseSize: number
  readonly maxDiscoversPerPeer: number
  readonly maxPendingResponseBytes: number
  readonly timeout: number
  readonly maxRequestsPerStream: number
  readonly maxInboundStreams: number
  readonly gcInterval: number
}

/**
 * Fills in the point's defaults and checks them against the registration
 * `limits` (as `Registrations` resolved them); throws a RangeError naming a
 * bad option.
 */
export function resolveServerConfig(
  init: RendezvousServerInit,
  limits: Readonly<RegistrationLimits>,
): RendezvousServerConfig {
  const config: RendezvousServerConfig = {
    maxMessageSize: init.maxMessageSize ?? limits.maxRecordSize + REQUEST_OVERHEAD,
    maxResponseSize: init.maxResponseSize ?? DEFAULT_SERVER_MAX_RESPONSE_SIZE,
    maxDiscoversPerPeer: init.maxDiscoversPerPeer ?? DEFAULT_MAX_DISCOVERS_PER_PEER,
    maxPendingResponseBytes: init.maxPendingResponseBytes ?? DEFAULT_MAX_PENDING_RESPONSE_BYTES,
    timeout: init.timeout ?? DEFAULT_TIMEOUT,
    maxRequestsPerStream: init.maxRequestsPerStream ?? DEFAULT_MAX_REQUESTS_PER_STREAM,
    maxInboundStreams: init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS,
    gcInterval: init.gcInterval ?? DEFAULT_GC_INTERVAL,
  }
  const { maxResponseSize } = config
  if (maxResponseSize > DEFAULT_MAX_RESPONSE_SIZE) {
    throw new RangeError(
      `maxResponseSize is at most ${DEFAULT_MAX_RESPONSE_SIZE} bytes (what a client accepts), got ${maxResponseSize}`,
    )
  }
  // every registration must fit in an answer on its own, or paging stalls
  const largest = limits.maxRecordSize + limits.maxNamespaceLength + REGISTRATION_WIRE_OVERHEAD
  if (discoverBudget(config, limits) < largest) {
    throw new RangeError(
      `maxResponseSize must hold the largest registration: at least ${largest + RESPONSE_OVERHEAD + limits.maxNamespaceLength} bytes, got ${maxResponseSize}`,
    )
  }
  if (limits.maxDiscoverLimit > MAX_DISCOVERED) {
    throw new RangeError(
      `maxDiscoverLimit is at most ${MAX_DISCOVERED} (what a client accepts), got ${limits.maxDiscoverLimit}`,
    )
  }
  if (!(config.maxDiscoversPerPeer >= 1)) {
    throw new RangeError(`maxDiscoversPerPeer must be at least 1, got ${config.maxDiscoversPerPeer}`)
  }
  if (!(config.maxPendingResponseBytes >= maxResponseSize)) {
    throw new RangeError(
      `maxPendingResponseBytes must be at least maxResponseSize (${maxResponseSize}), got ${config.maxPendingResponseBytes}`,
    )
  }
  return config
}

/** Bytes of registrations one DISCOVER answer may carry. */
export function discoverBudget(config: RendezvousServerConfig, limits: Readonly<RegistrationLimits>): number {
  return config.maxResponseSize - RESPONSE_OVERHEAD - limits.maxNamespaceLength
}
