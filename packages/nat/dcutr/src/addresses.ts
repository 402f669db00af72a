/**
 * Which addresses a hole punch uses: TCP or QUIC v1 over IPv4/IPv6, not
 * relayed, at most `max` of each, parsed from the peer's `ObsAddrs` without
 * trusting them; which IPs a remote may make us dial; and which connections
 * are relayed.
 */
import {
  CODE_IP4,
  CODE_IP6,
  CODE_P2P,
  CODE_P2P_CIRCUIT,
  CODE_QUIC_V1,
  CODE_TCP,
  CODE_UDP,
  type Multiaddr,
  multiaddr,
} from '@multiformats/multiaddr'
import { isSpecialPurposeIp, parseIpv4, parseIpv6 } from '@weft/utils'

/** `/ip4|ip6/<ip>/tcp/<port>` with an optional `/p2p/<id>`, nothing relayed. */
export function isPunchableTcp(address: Multiaddr): boolean {
  const components = address.getComponents()
  if (components.some((component) => component.code === CODE_P2P_CIRCUIT)) return false
  const [ip, tcp, ...rest] = components
  if (ip == null || (ip.code !== CODE_IP4 && ip.code !== CODE_IP6)) return false
  if (tcp?.code !== CODE_TCP || tcp.value === '0') return false
  return rest.length === 0 || (rest.length === 1 && rest[0]!.code === CODE_P2P)
}

/** `/ip4|ip6/<ip>/udp/<port>/quic-v1` with an optional `/p2p/<id>`, nothing relayed. */
export function isPunchableQuic(address: Multiaddr): boolean {
  const components = address.getComponents()
  if (components.some((component) => component.code === CODE_P2P_CIRCUIT)) return false
  const [ip, udp, quic, ...rest] = components
  if (ip == null || (ip.code !== CODE_IP4 && ip.code !== CODE_IP6)) return false
  if (udp?.code !== CODE_UDP || udp.value === '0' || quic?.code !== CODE_QUIC_V1) return false
  return rest.length === 0 || (rest.length === 1 && rest[0]!.code === CODE_P2P)
}

/** A TCP or QUIC v1 address a hole punch can dial. */
export function isPunchable(address: Multiaddr): boolean {
  return isPunchableTcp(address) || isPunchableQuic(address)
}

/** The UDP port of `address`, or undefined when it has none. */
export function udpPort(address: Multiaddr): number | undefined {
  const value = address.getComponents().find((component) => component.code === CODE_UDP)?.value
  return value == null ? undefined : Number(value)
}

/**
 * `addresses` with the QUIC ones first (the order otherwise kept), at most
 * `max` of each transport: QUIC is preferred when both sides have it, and
 * TCP addresses keep their own share of the limit.
 */
export function quicFirst(addresses: Multiaddr[], max: number): Multiaddr[] {
  const quic = addresses.filter(isPunchableQuic).slice(0, max)
  const rest = addresses.filter((address) => !isPunchableQuic(address)).slice(0, max)
  return [...quic, ...rest]
}

/** The TCP port of `address`, or undefined when it has none. */
export function tcpPort(address: Multiaddr): number | undefined {
  const value = address.getComponents().find((component) => component.code === CODE_TCP)?.value
  return value == null ? undefined : Number(value)
}

/** Entries of one `ObsAddrs` list looked at: a 4 KiB message could hold hundreds. */
export const MAX_ENTRIES_EXAMINED = 64

/**
 * The punchable addresses among `bytes` (invalid ones skipped), deduplicated,
 * at most `max` TCP and `max` QUIC ones, looking at no more than the first
 * `MAX_ENTRIES_EXAMINED`; the order is kept.
 */
export function punchAddresses(bytes: Uint8Array[], max: number): Multiaddr[] {
  const seen = new Set<string>()
  const out: Multiaddr[] = []
  const counts = { tcp: 0, quic: 0 }
  for (const entry of bytes.slice(0, MAX_ENTRIES_EXAMINED)) {
    if (counts.tcp >= max && counts.quic >= max) break
    let address: Multiaddr
    try {
      address = multiaddr(entry)
    } catch {
      continue
    }
    const kind = isPunchableTcp(address) ? 'tcp' : isPunchableQuic(address) ? 'quic' : undefined
    if (kind == null || counts[kind] >= max) continue
    const bare =
      address.getComponents().at(-1)?.code === CODE_P2P ? address.decapsulateCode(CODE_P2P) : address
    const key = bare.toString()
    if (seen.has(key)) continue
    seen.add(key)
    counts[kind]++
    out.push(bare)
  }
  return out
}

/** The peer id of the relay in a circuit address (`.../p2p/<relay>/p2p-circuit/...`). */
export function relayOf(circuit: Multiaddr): string | undefined {
  const components = circuit.getComponents()
  const index = components.findIndex((component) => component.code === CODE_P2P_CIRCUIT)
  if (index < 1) return undefined
  const before = components[index - 1]!
  return before.code === CODE_P2P ? before.value : undefined
}

/**
 * Whether a connection runs over a circuit relay. The remote address is the
 * one sure sign: the transport that made the connection set it, and a
 * relayed connection has `/p2p-circuit` in it whether or not the relay
 * announced limits (`connection.limits` is undefined for an unlimited one).
 */
export function isRelayed(connection: { remoteAddr: Multiaddr }): boolean {
  return connection.remoteAddr.getComponents().some((component) => component.code === CODE_P2P_CIRCUIT)
}

/**
 * An IP in a special-purpose range (@weft/utils `isSpecialPurposeIp`:
 * private, loopback, link-local, CGNAT, multicast, …; IPv4-mapped IPv6 is
 * judged as its IPv4 address; documentation ranges, which the NAT lab uses,
 * are not special). Text that is no IP of `family` counts as special.
 */
export function isSpecialIp(ip: string, family: 'ipv4' | 'ipv6'): boolean {
  if ((family === 'ipv4' ? parseIpv4(ip) : parseIpv6(ip)) == null) return true
  return isSpecialPurposeIp(ip)
}

function hasPublicIp(address: Multiaddr): boolean {
  const ip = address.getComponents()[0]!
  return !isSpecialIp(ip.value ?? '', ip.code === CODE_IP4 ? 'ipv4' : 'ipv6')
}

/** A punchable TCP address whose IP is in no special range: worth a direct dial from anywhere. */
export function isPublicTcp(address: Multiaddr): boolean {
  return isPunchableTcp(address) && hasPublicIp(address)
}

/** A punchable TCP or QUIC address whose IP is in no special range. */
export function isPublic(address: Multiaddr): boolean {
  return isPunchable(address) && hasPublicIp(address)
}

/** The addresses a remote may make us dial: punchable, and public unless private ones are allowed. */
export function mayDial(address: Multiaddr, allowPrivateAddresses: boolean): boolean {
  return allowPrivateAddresses ? isPunchable(address) : isPublic(address)
}
