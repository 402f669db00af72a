/**
 * The service's options and their checks: a bad option throws naming it and
 * what it must be.
 */
import { checkInteger } from '@weft/utils'
import { ADVERTISE_MODES, type AdvertiseMode } from './advertise.js'
import { checkServers } from './nat-probe.js'
import { checkAllocationSamples, type ReportOptions } from './report.js'
import type { AddressReachabilitySource, PortMappingSource, ReachabilitySource } from './sources.js'
import type { ServerAddress } from './types.js'

/** A service, or a function returning it (called at start, once every service exists). */
export type SourceOption<T> = T | (() => T | undefined)

export interface NetworkReportInit
  extends Omit<ReportOptions, 'signal' | 'portMapping' | 'autonat' | 'autonatV2'> {
  /** ms between interface polls (30 000; 100 .. 3 600 000) */
  interfacePollInterval?: number
  /** ms between NAT (and TURN) re-checks (600 000; 1 000 .. 86 400 000) */
  natRecheckInterval?: number
  portMapping?: SourceOption<PortMappingSource>
  autonat?: SourceOption<ReachabilitySource>
  autonatV2?: SourceOption<AddressReachabilitySource>
  /** the host's services, searched by shape at start for whichever of the three is not given */
  services?: () => Record<string, unknown> | undefined
  /** addresses to confirm with the address manager, so identify advertises them ('none') */
  advertise?: AdvertiseMode
}

/** The checked options the service runs on. */
export interface Settings {
  stunServers: ServerAddress[]
  turnServers: ServerAddress[]
  pollInterval: number
  recheckInterval: number
  advertise: AdvertiseMode
}

/** An interval in whole ms from `min` to `max` (`fallback` when not given). */
function interval(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  return checkInteger(`${name} (ms)`, value ?? fallback, min, max)
}

/** Checks `init`; `hasAddressManager` says whether the host gave the component `advertise` needs. */
export function resolveSettings(init: NetworkReportInit, hasAddressManager: boolean): Settings {
  const stunServers = checkServers('stunServers', init.stunServers)
  const turnServers = checkServers('turnServers', init.turnServers)
  checkAllocationSamples(init.allocationSamples)
  const pollInterval = interval('interfacePollInterval', init.interfacePollInterval, 30_000, 100, 3_600_000)
  const recheckInterval = interval('natRecheckInterval', init.natRecheckInterval, 600_000, 1_000, 86_400_000)
  const advertise = init.advertise ?? 'none'
  if (!ADVERTISE_MODES.includes(advertise))
    throw new TypeError(
      `advertise must be one of ${ADVERTISE_MODES.join(', ')}, got ${String(init.advertise)}`,
    )
  if (advertise !== 'none' && !hasAddressManager)
    throw new TypeError(`advertise '${advertise}' needs the host's addressManager component`)
  return { stunServers, turnServers, pollInterval, recheckInterval, advertise }
}

/** The service an option names, calling it when it is a function. */
export function resolveSource<T>(option: SourceOption<T> | undefined): T | undefined {
  return typeof option === 'function' ? (option as () => T | undefined)() : option
}
