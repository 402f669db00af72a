/**
 * NAT discovery per interface and family: @weft/stun's `discoverNat` on a
 * socket bound to the interface's address, against the configured servers of
 * that family in turn until one answers. A probe's failure becomes the
 * entry's `error`; only an abort is thrown.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { type DiscoveryOptions, discoverNat, type NatReport, openUdpClient, type UdpClient } from '@weft/stun'
import { throwIfAborted } from '@weft/utils'
import { NatProbeError } from './errors.js'
import type { ProbeTarget } from './interfaces.js'
import type { NatEntry, ReportedError, ServerAddress } from './types.js'

/** The discovery function (tests pass a fake one). */
export type Discover = (options: DiscoveryOptions) => Promise<NatReport>

/** Opens the socket a probe runs on, bound to `address` (tests pass a fake one). */
export type OpenClient = (address: string, family: 4 | 6) => Promise<UdpClient>

export interface NatProbeOptions {
  stunServers: readonly ServerAddress[]
  /** fresh sockets for the port-allocation measurement (5; 0..16) */
  allocationSamples?: number
  /** every IP of the host, to tell "no NAT" */
  localAddresses: readonly string[]
  discover?: Discover
  openClient?: OpenClient
  signal?: AbortSignal
}

export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}

export function reportedError(err: unknown): ReportedError {
  if (err instanceof Error) return { name: err.name, message: err.message }
  return { name: 'Error', message: String(err) }
}

/** The configured servers of `family` (a server's family is its IP's). */
export function serversOf(servers: readonly ServerAddress[], family: 4 | 6): ServerAddress[] {
  return servers.filter((server) => (family === 6 ? isIPv6(server.host) : isIPv4(server.host)))
}

/** Checks a server list: IPs and ports only (weft resolves no names and knows no default servers). */
export function checkServers(name: string, servers: readonly ServerAddress[] | undefined): ServerAddress[] {
  if (servers == null) return []
  if (!Array.isArray(servers)) throw new TypeError(`${name} must be an array of { host, port }`)
  if (servers.length > 16) throw new RangeError(`${name}: at most 16 servers, got ${servers.length}`)
  for (const server of servers) {
    if (typeof server?.host !== 'string' || (!isIPv4(server.host) && !isIPv6(server.host)))
      throw new TypeError(`${name}: host must be an IP address, got ${String(server?.host)}`)
    if (!Number.isInteger(server.port) || server.port < 1 || server.port > 65_535)
      throw new RangeError(`${name}: port must be 1..65535, got ${String(server.port)}`)
  }
  return [...servers]
}

const defaultOpenClient: OpenClient = (address, family) => openUdpClient({ address, family })

/** The NAT entry of one target: the first configured server of its family that answers decides. */
export async function probeNat(target: ProbeTarget, options: NatProbeOptions): Promise<NatEntry> {
  throwIfAborted(options.signal)
  const base = { interface: target.interface, family: target.family, localAddress: target.localAddress }
  const servers = serversOf(options.stunServers, target.family)
  if (servers.length === 0) return { ...base, status: 'unconfigured', classic: 'unknown' }
  const discover = options.discover ?? discoverNat
  const openClient = options.openClient ?? defaultOpenClient
  const attempts: string[] = []
  let blocked: NatReport | undefined
  let blockedServer = ''
  for (const server of servers) {
    const serverText = endpointText(server.host, server.port)
    let client: UdpClient | undefined
    try {
      client = await openClient(target.localAddress, target.family)
      const report = await discover({
        server: { address: server.host, port: server.port },
        client,
        family: target.family,
        allocationSamples: options.allocationSamples ?? 5,
        localAddresses: options.localAddresses,
        signal: options.signal,
      })
      if (report.reachable) return entryOf(base, serverText, report)
      blocked ??= report
      if (blockedServer === '') blockedServer = serverText
      attempts.push(`${serverText}: no answer`)
    } catch (err) {
      throwIfAborted(options.signal)
      attempts.push(`${serverText}: ${(err as Error).message ?? String(err)}`)
    } finally {
      client?.close()
    }
  }
  // every server was silent: UDP is blocked on this path (or every server is down)
  if (blocked != null) return entryOf(base, blockedServer, blocked)
  const error = new NatProbeError(`${target.interface}/IPv${target.family}`, attempts)
  return { ...base, status: 'failed', classic: 'unknown', error: reportedError(error) }
}

function entryOf(base: ProbeTarget, server: string, report: NatReport): NatEntry {
  const entry: NatEntry = { ...base, status: 'measured', classic: report.classic, server }
  if (report.mapping != null) entry.mapping = report.mapping
  if (report.filtering != null) entry.filtering = report.filtering
  if (report.hairpinning != null) entry.hairpinning = report.hairpinning
  if (report.natted != null) entry.natted = report.natted
  if (report.allocation != null) entry.allocation = report.allocation
  if (report.delta != null) entry.delta = report.delta
  if (report.mappedAddress != null)
    entry.mappedAddress = endpointText(report.mappedAddress.address, report.mappedAddress.port)
  entry.measuredAt = new Date().toISOString()
  return entry
}
