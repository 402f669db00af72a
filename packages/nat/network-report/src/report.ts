/**
 * One report, put together once: `getNetworkReport(options)`. The service
 * (service.ts) keeps one up to date from the same pieces.
 */
import { networkInterfaces } from 'node:os'
import { checkInteger, throwIfAborted } from '@weft/utils'
import { type InterfaceTable, type ProbeTarget, probeTargets, readInterfaces } from './interfaces.js'
import { checkServers, type Discover, type OpenClient, probeNat, serversOf } from './nat-probe.js'
import type { Sources } from './sources.js'
import { checkTurn, type TurnCheckOptions } from './turn-check.js'
import {
  type InterfaceEntry,
  type NatEntry,
  type NetworkReport,
  type PortMappingEntry,
  type ReachabilityEntry,
  type ReportPart,
  SCHEMA,
  type ServerAddress,
  type TurnEntry,
} from './types.js'

export interface ReportOptions extends Sources {
  /** STUN servers (RFC 5780 ones give the full picture); none by default: NAT is then 'unknown' */
  stunServers?: ServerAddress[]
  /** TURN servers whose availability is reported; none by default */
  turnServers?: ServerAddress[]
  /** fresh sockets per interface for the port-allocation measurement (5; 0..16) */
  allocationSamples?: number
  /** the interface table (default: `os.networkInterfaces()`) */
  networkInterfaces?: () => InterfaceTable
  /** the NAT discovery (default: @weft/stun's `discoverNat`) */
  discover?: Discover
  /** opens a STUN probe's socket on an interface address */
  openClient?: OpenClient
  /** opens a TURN check's socket */
  openTurnClient?: TurnCheckOptions['openClient']
  signal?: AbortSignal
}

export function checkAllocationSamples(value: number | undefined): number {
  return checkInteger('allocationSamples', value ?? 5, 0, 16)
}

export function localAddressesOf(interfaces: readonly InterfaceEntry[]): string[] {
  return interfaces.flatMap((entry) => entry.addresses.map((address) => address.address))
}

/** NAT entries for every interface and family, probed one after another (bounded work, no bursts). */
export async function measureNat(
  interfaces: readonly InterfaceEntry[],
  options: Pick<ReportOptions, 'allocationSamples' | 'discover' | 'openClient' | 'signal'> & {
    stunServers: ServerAddress[]
  },
): Promise<NatEntry[]> {
  const localAddresses = localAddressesOf(interfaces)
  const entries: NatEntry[] = []
  for (const target of probeTargets(interfaces)) {
    entries.push(
      await probeNat(target, {
        stunServers: options.stunServers,
        allocationSamples: options.allocationSamples,
        localAddresses,
        discover: options.discover,
        openClient: options.openClient,
        signal: options.signal,
      }),
    )
  }
  return entries
}

export async function measureTurn(
  servers: readonly ServerAddress[],
  options: Pick<ReportOptions, 'openTurnClient' | 'signal'>,
): Promise<TurnEntry[]> {
  const entries: TurnEntry[] = []
  for (const server of servers)
    entries.push(await checkTurn(server, { openClient: options.openTurnClient, signal: options.signal }))
  return entries
}

export function portMappingOf(sources: Sources): PortMappingEntry {
  if (sources.portMapping == null) return { present: false, addresses: [] }
  return { present: true, addresses: sources.portMapping.getMappedAddresses().map(String) }
}

export function reachabilityOf(sources: Sources, hostVerdict?: ReachabilityEntry['host']): ReachabilityEntry {
  const addresses = (sources.autonatV2?.getAddressReachability() ?? []).map((entry) => ({
    address: entry.address.toString(),
    reachability: entry.reachability,
    confidence: entry.confidence,
  }))
  return {
    host: sources.autonat?.reachability ?? hostVerdict ?? 'unknown',
    perAddressPresent: sources.autonatV2 != null,
    addresses,
  }
}

/** An entry per target: the first of `lists` that has one for its address, else pending (or unconfigured). */
export function natEntriesFor(
  targets: readonly ProbeTarget[],
  stunServers: readonly ServerAddress[],
  ...lists: NatEntry[][]
): NatEntry[] {
  return targets.map((target) => {
    for (const list of lists) {
      const found = list.find(
        (entry) =>
          entry.interface === target.interface &&
          entry.family === target.family &&
          entry.localAddress === target.localAddress,
      )
      if (found != null) return found
    }
    const configured = serversOf(stunServers, target.family).length > 0
    return { ...target, status: configured ? 'pending' : 'unconfigured', classic: 'unknown' }
  })
}

/** A part's identity for change detection: without times and round-trip times. */
function partKey(report: NetworkReport, part: ReportPart): string {
  return JSON.stringify(report[part], (key, value: unknown) =>
    key === 'measuredAt' || key === 'rtt' ? undefined : value,
  )
}

/** Those of `parts` that differ between `before` and `after`; timestamps and round-trip times alone are no change. */
export function changedParts(
  before: NetworkReport,
  after: NetworkReport,
  parts: readonly ReportPart[],
): ReportPart[] {
  return parts.filter((part) => partKey(after, part) !== partKey(before, part))
}

/** The whole report, measured now. Probe failures are reported in their entries, not thrown. */
export async function getNetworkReport(options: ReportOptions = {}): Promise<NetworkReport> {
  throwIfAborted(options.signal)
  const stunServers = checkServers('stunServers', options.stunServers)
  const turnServers = checkServers('turnServers', options.turnServers)
  checkAllocationSamples(options.allocationSamples)
  const interfaces = readInterfaces((options.networkInterfaces ?? networkInterfaces)())
  const nat = await measureNat(interfaces, { ...options, stunServers })
  const turn = await measureTurn(turnServers, options)
  return {
    schema: SCHEMA,
    generatedAt: new Date().toISOString(),
    interfaces,
    nat,
    portMapping: portMappingOf(options),
    reachability: reachabilityOf(options),
    turn,
  }
}
