/**
 * What the report reads from other services, as the narrow shapes it needs,
 * and how it finds them in a host's `services` record: by shape, the way the
 * host finds routers and discovery modules among its services. Any object of
 * the shape fits (a fake in tests, js-libp2p's own where it matches).
 */
import type { Multiaddr } from '@multiformats/multiaddr'

type Listener = (evt: Event) => void

interface Events {
  addEventListener(type: string, listener: Listener): void
  removeEventListener(type: string, listener: Listener): void
}

/** @weft/port-mapping's service: `getMappedAddresses()` and `'addresses:change'`. */
export interface PortMappingSource extends Events {
  getMappedAddresses(): Multiaddr[]
}

/** @weft/autonat's v1 service: `reachability` and `'reachability:change'`. */
export interface ReachabilitySource extends Events {
  readonly reachability: 'unknown' | 'public' | 'private'
}

/** @weft/autonat's v2 service: `getAddressReachability()` and `'reachability:address'`. */
export interface AddressReachabilitySource extends Events {
  getAddressReachability(): Array<{
    address: Multiaddr
    reachability: 'unknown' | 'reachable' | 'unreachable'
    confidence: number
  }>
}

export interface Sources {
  portMapping?: PortMappingSource
  autonat?: ReachabilitySource
  autonatV2?: AddressReachabilitySource
}

/** The events each source announces a change with. */
export const SOURCE_EVENTS = {
  portMapping: 'addresses:change',
  autonat: 'reachability:change',
  autonatV2: 'reachability:address',
} as const satisfies Record<keyof Sources, string>

function hasEvents(value: unknown): value is Events {
  return (
    value != null &&
    typeof value === 'object' &&
    typeof (value as Events).addEventListener === 'function' &&
    typeof (value as Events).removeEventListener === 'function'
  )
}

export function isPortMappingSource(value: unknown): value is PortMappingSource {
  return hasEvents(value) && typeof (value as PortMappingSource).getMappedAddresses === 'function'
}

export function isAddressReachabilitySource(value: unknown): value is AddressReachabilitySource {
  return hasEvents(value) && typeof (value as AddressReachabilitySource).getAddressReachability === 'function'
}

export function isReachabilitySource(value: unknown): value is ReachabilitySource {
  if (!hasEvents(value)) return false
  const reachability: unknown = (value as { reachability?: unknown }).reachability
  return reachability === 'unknown' || reachability === 'public' || reachability === 'private'
}

/** The sources among a host's services (the first of each shape, in the record's order). */
export function findSources(services: Record<string, unknown>): Sources {
  const found: Sources = {}
  for (const service of Object.values(services)) {
    if (found.portMapping == null && isPortMappingSource(service)) found.portMapping = service
    else if (found.autonatV2 == null && isAddressReachabilitySource(service)) found.autonatV2 = service
    else if (found.autonat == null && isReachabilitySource(service)) found.autonat = service
  }
  return found
}
