/**
 * Which addresses an AutoNAT server agrees to dial back (autonat-v1.md: "MUST
 * NOT dial any multiaddress unless it is based on the IP address the
 * requesting node is observed as"; never over relayed connections).
 */

import { BlockList, isIP } from 'node:net'
import {
  CODE_DNS,
  CODE_DNS4,
  CODE_DNS6,
  CODE_IP4,
  CODE_IP6,
  CODE_P2P_CIRCUIT,
  type Multiaddr,
} from '@multiformats/multiaddr'

/** The IP an address starts with, or undefined (DNS names and others). */
export function ipOf(address: Multiaddr): string | undefined {
  const first = address.getComponents()[0]
  if (first == null) return undefined
  if (first.code === CODE_IP4 || first.code === CODE_IP6) return first.value
  return undefined
}

export function isRelayedAddress(address: Multiaddr): boolean {
  return address.getComponents().some((component) => component.code === CODE_P2P_CIRCUIT)
}

function isNamed(address: Multiaddr): boolean {
  const code = address.getComponents()[0]?.code
  return code === CODE_DNS || code === CODE_DNS4 || code === CODE_DNS6
}

/** The requested addresses on the observed IP, deduplicated, at most `max`. */
export function dialBackCandidates(requested: Multiaddr[], observed: Multiaddr, max: number): Multiaddr[] {
  const observedIp = ipOf(observed)
  if (observedIp == null || isRelayedAddress(observed)) return []
  const seen = new Set<string>()
  const out: Multiaddr[] = []
  for (const address of requested) {
    if (out.length >= max) break
    if (isRelayedAddress(address) || isNamed(address)) continue
    if (ipOf(address) !== observedIp) continue
    const key = address.toString()
    if (seen.has(key)) continue
    seen.add(key)
    out.push(address)
  }
  return out
}

/**
 * Ranges a server dials only with `allowPrivateAddresses` (IANA
 * special-purpose registries): this network, private, shared (CGNAT),
 * loopback, link-local, IETF protocol assignments, benchmarking, multicast,
 * reserved and broadcast; IPv6 unspecified, loopback, discard, unique local,
 * site-local, link-local and multicast. An IPv4-mapped IPv6 address is judged
 * as the IPv4 address it carries. The documentation ranges are routed nowhere
 * and stay dialable (the NAT lab's public side is 198.51.100.0/24).
 */
const PRIVATE = new BlockList()
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
  PRIVATE.addSubnet(network, prefix, 'ipv4')
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
  PRIVATE.addSubnet(network, prefix, 'ipv6')
}

/** An IP in one of the ranges above; one that does not parse counts as private. */
export function isPrivateIp(ip: string): boolean {
  const family = isIP(ip)
  if (family === 0) return true
  return PRIVATE.check(ip, family === 6 ? 'ipv6' : 'ipv4')
}
