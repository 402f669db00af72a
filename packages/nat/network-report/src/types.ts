/**
 * The report's JSON form, `weft.network-report/1`: plain data only
 * (strings, numbers, booleans, arrays), so `JSON.stringify(report)` is the
 * JSON form and `JSON.parse` gives it back. Fields are only ever added within
 * a schema version; a field that changes meaning bumps it. docs: see README.md.
 */
import type { Behaviour, ClassicNatType, PortAllocation } from '@weft/stun'

export const SCHEMA = 'weft.network-report/1'

/** Where an address is reachable from, by its range (RFC 6890 registries). */
export type AddressScope = 'loopback' | 'link-local' | 'private' | 'public'

export interface AddressEntry {
  /** the IP as node:os gives it (no zone) */
  address: string
  family: 4 | 6
  scope: AddressScope
  /** address/prefix, e.g. `10.0.0.2/24` */
  cidr?: string
}

export interface InterfaceEntry {
  name: string
  /** IPv6 addresses first, then IPv4; within a family public, private, link-local, loopback */
  addresses: AddressEntry[]
}

/** 'unknown' when no STUN server of the family is configured or none answered. */
export type NatKind = ClassicNatType | 'unknown'

/** `{ name, message }` of an error, kept in the report instead of being thrown. */
export interface ReportedError {
  name: string
  message: string
}

/** The NAT between one interface and the internet, for one family, as STUN found it. */
export interface NatEntry {
  interface: string
  family: 4 | 6
  /** the interface address the probe was sent from */
  localAddress: string
  /**
   * 'pending': the service has not measured it yet;
   * 'unconfigured': no STUN server of this family is configured;
   * 'measured': a server answered (`classic` may still be 'blocked');
   * 'failed': a probe threw (see `error`)
   */
  status: 'pending' | 'unconfigured' | 'measured' | 'failed'
  /** the classic (RFC 3489) name; 'unknown' unless measured */
  classic: NatKind
  /** RFC 5780 §4.3 */
  mapping?: Behaviour
  /** RFC 5780 §4.4 */
  filtering?: Behaviour
  hairpinning?: boolean
  /** the mapped address is not the interface's own */
  natted?: boolean
  /** P2PD's port allocation, and its delta */
  allocation?: PortAllocation
  delta?: number
  /** `ip:port` (`[ip]:port` for IPv6) the server saw */
  mappedAddress?: string
  /** `ip:port` of the server that answered */
  server?: string
  /** ISO time of the measurement */
  measuredAt?: string
  error?: ReportedError
}

export interface PortMappingEntry {
  /** a port-mapping service is wired in */
  present: boolean
  /** the mapped (and pinholed) multiaddrs, confirmed or not */
  addresses: string[]
}

export interface AddressReachabilityEntry {
  address: string
  reachability: 'unknown' | 'reachable' | 'unreachable'
  confidence: number
}

export interface ReachabilityEntry {
  /** AutoNAT v1's verdict for the host; 'unknown' also when no AutoNAT runs */
  host: 'unknown' | 'public' | 'private'
  /** AutoNAT v2 runs and is wired in */
  perAddressPresent: boolean
  /** AutoNAT v2's verdict per address */
  addresses: AddressReachabilityEntry[]
}

export interface TurnEntry {
  /** `ip:port` */
  server: string
  transport: 'udp'
  /** the server answered an Allocate as a TURN server does (401 asking for credentials, or success) */
  available: boolean
  /** it asked for credentials (401) */
  authRequired?: boolean
  /** round-trip time of the Allocate, ms */
  rtt?: number
  measuredAt?: string
  error?: ReportedError
}

export interface NetworkReport {
  schema: typeof SCHEMA
  /** ISO time the report was put together */
  generatedAt: string
  interfaces: InterfaceEntry[]
  /** one per interface and family that has a routable (private or public) address; IPv6 first */
  nat: NatEntry[]
  portMapping: PortMappingEntry
  reachability: ReachabilityEntry
  turn: TurnEntry[]
}

/** The parts of a report a `'change'` event names. */
export type ReportPart = 'interfaces' | 'nat' | 'portMapping' | 'reachability' | 'turn'

/** A configured server. `host` is an IP (names are resolved by the caller: no lookups here). */
export interface ServerAddress {
  host: string
  port: number
}
