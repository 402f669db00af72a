/**
 * The host's interfaces as node:os reports them, classified and sorted:
 * pure functions over `os.networkInterfaces()`'s shape, so tests feed them
 * any table.
 */
import type { NetworkInterfaceInfo } from 'node:os'
import { isSpecialPurposeIp, parseIpv4, parseIpv6 } from '@weft/utils'
import type { AddressEntry, AddressScope, InterfaceEntry } from './types.js'

/** `os.networkInterfaces()`'s shape. */
export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>

/** Interfaces reported at most, and addresses per interface (a bound, not a real-world limit). */
export const MAX_INTERFACES = 64
export const MAX_ADDRESSES_PER_INTERFACE = 64

const SCOPE_ORDER: Record<AddressScope, number> = { public: 0, private: 1, 'link-local': 2, loopback: 3 }

/** The scope of `ip`: loopback, link-local, private (RFC 1918, CGNAT, ULA, … any other special range) or public. */
export function addressScope(ip: string): AddressScope {
  const v4 = parseIpv4(ip)
  if (v4 != null) {
    if (v4[0] === 127) return 'loopback'
    if (v4[0] === 169 && v4[1] === 254) return 'link-local'
    return isSpecialPurposeIp(ip) ? 'private' : 'public'
  }
  const v6 = parseIpv6(ip)
  if (v6 == null) return 'private'
  if (v6.slice(0, 15).every((byte) => byte === 0) && v6[15] === 1) return 'loopback'
  if (v6[0] === 0xfe && (v6[1]! & 0xc0) === 0x80) return 'link-local'
  // an IPv4-mapped address is judged by the IPv4 it carries
  const mapped = v6.slice(0, 10).every((byte) => byte === 0) && v6[10] === 0xff && v6[11] === 0xff
  if (mapped) return addressScope(v6.slice(12).join('.'))
  return isSpecialPurposeIp(ip) ? 'private' : 'public'
}

function familyOf(info: NetworkInterfaceInfo): 4 | 6 {
  const family: unknown = info.family
  return family === 'IPv6' || family === 6 ? 6 : 4
}

/** Addresses in report order: IPv6 first, then by scope (public first), then as given. */
export function compareAddresses(a: AddressEntry, b: AddressEntry): number {
  if (a.family !== b.family) return a.family === 6 ? -1 : 1
  return SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope]
}

/**
 * The interface table as report entries: addresses classified and sorted
 * (IPv6 first), interfaces in the table's order except that ones holding only
 * loopback addresses come last; bounded by `MAX_INTERFACES` and
 * `MAX_ADDRESSES_PER_INTERFACE`.
 */
export function readInterfaces(table: InterfaceTable): InterfaceEntry[] {
  const entries: InterfaceEntry[] = []
  for (const [name, infos] of Object.entries(table)) {
    if (infos == null || entries.length >= MAX_INTERFACES) continue
    const addresses: AddressEntry[] = infos.slice(0, MAX_ADDRESSES_PER_INTERFACE).map((info) => {
      const address = info.address.split('%')[0] ?? info.address
      const entry: AddressEntry = { address, family: familyOf(info), scope: addressScope(address) }
      if (info.cidr != null) entry.cidr = info.cidr
      return entry
    })
    addresses.sort(compareAddresses)
    entries.push({ name, addresses })
  }
  const onlyLoopback = (entry: InterfaceEntry): boolean =>
    entry.addresses.every((address) => address.scope === 'loopback')
  return [...entries.filter((e) => !onlyLoopback(e)), ...entries.filter(onlyLoopback)]
}

/** What NAT discovery runs on: per interface and family, the best routable (public, else private) address. */
export interface ProbeTarget {
  interface: string
  family: 4 | 6
  localAddress: string
}

/** One target per interface and family that has a public or private address; IPv6 first. */
export function probeTargets(interfaces: readonly InterfaceEntry[]): ProbeTarget[] {
  const targets: ProbeTarget[] = []
  for (const family of [6, 4] as const) {
    for (const entry of interfaces) {
      const best = entry.addresses.find(
        (address) => address.family === family && (address.scope === 'public' || address.scope === 'private'),
      )
      if (best != null) targets.push({ interface: entry.name, family, localAddress: best.address })
    }
  }
  return targets
}
