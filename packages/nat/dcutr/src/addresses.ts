/**
 * Which addresses a hole punch uses: TCP over IPv4/IPv6, not relayed, at most
 * `max`, parsed from the peer's `ObsAddrs` without trusting them; which IPs a
 * remote may make us dial; and which connections are relayed.
 */
import { BlockList, isIP } from 'node:net'
import {
  CODE_IP4,
  CODE_IP6,
  CODE_P2P,
  CODE_P2P_CIRCUIT,
  CODE_TCP,
  type Multiaddr,
  multiaddr,
} from '@multiformats/multiaddr'

/** `/ip4|ip6/<ip>/tcp/<port>` with an optional `/p2p/<id>`, nothing relayed. */
export function isPunchableTcp(address: Multiaddr): boolean {
  const components = address.getComponents()
  if (components.some((component) => component.code === CODE_P2P_CIRCUIT)) return false
  const [ip, tcp, ...rest] = components
  if (ip == null || (ip.code !== CODE_IP4 && ip.code !== CODE_IP6)) return false
  if (tcp?.code !== CODE_TCP || tcp.value === '0') return false
  return rest.length === 0 || (rest.length === 1 && rest[0]!.code === CODE_P2P)
}

/** Entries of one `ObsAddrs` list looked at: a 4 KiB message could hold hundreds. */
export const MAX_ENTRIES_EXAMINED = 64

/**
 * The punchable addresses among `bytes` (invalid ones skipped), deduplicated,
 * at most `max`, looking at no more than the first `MAX_ENTRIES_EXAMINED`.
 */
export function punchAddresses(bytes: Uint8Array[], max: number): Multiaddr[] {
  const seen = new Set<string>()
  const out: Multiaddr[] = []
  for (const entry of bytes.slice(0, MAX_ENTRIES_EXAMINED)) {
    if (out.length >= max) break
    let address: Multiaddr
    try {
      address = multiaddr(entry)
    } catch {
      continue
    }
    if (!isPunchableTcp(address)) continue
    const bare =
      address.getComponents().at(-1)?.code === CODE_P2P ? address.decapsulateCode(CODE_P2P) : address
    const key = bare.toString()
    if (seen.has(key)) continue
    seen.add(key)
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
 * Ranges no remote may make us dial unless private addresses are allowed
 * (IANA special-purpose registries): this network, private, shared (CGNAT),
 * loopback, link-local, IETF protocol assignments, benchmarking, multicast,
 * reserved and broadcast; IPv6 unspecified, loopback, discard, unique local,
 * site-local, link-local and multicast. IPv4-mapped IPv6 addresses are judged
 * as the IPv4 address they carry. The documentation ranges (TEST-NET-1..3,
 * 2001:db8::/32) are routed nowhere, so dialing them harms no one; they stay
 * dialable, as the NAT lab's "public" side uses 198.51.100.0/24.
 */
const SPECIAL = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  SPECIAL.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['fc00::', 7],
  ['fec0::', 10],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  SPECIAL.addSubnet(network, prefix, 'ipv6')
}

/** An IP in one of the special ranges above (an unparsable one counts as special). */
export function isSpecialIp(ip: string, family: 'ipv4' | 'ipv6'): boolean {
  if (isIP(ip) !== (family === 'ipv4' ? 4 : 6)) return true
  return SPECIAL.check(ip, family)
}

/** A punchable TCP address whose IP is in no special range: worth a direct dial from anywhere. */
export function isPublicTcp(address: Multiaddr): boolean {
  if (!isPunchableTcp(address)) return false
  const ip = address.getComponents()[0]!
  return !isSpecialIp(ip.value ?? '', ip.code === CODE_IP4 ? 'ipv4' : 'ipv6')
}

/** The addresses a remote may make us dial: punchable, and public unless private ones are allowed. */
export function mayDial(address: Multiaddr, allowPrivateAddresses: boolean): boolean {
  return allowPrivateAddresses ? isPunchableTcp(address) : isPublicTcp(address)
}
