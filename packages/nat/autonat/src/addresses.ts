/**
 * Which addresses an AutoNAT server agrees to dial back (autonat-v1.md: "MUST
 * NOT dial any multiaddress unless it is based on the IP address the
 * requesting node is observed as"; never over relayed connections).
 */

import {
  CODE_DNS,
  CODE_DNS4,
  CODE_DNS6,
  CODE_IP4,
  CODE_IP6,
  CODE_P2P_CIRCUIT,
  type Multiaddr,
} from '@multiformats/multiaddr'
import { isSpecialPurposeIp } from '@weft/utils'

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
 * An IP a server dials back only with `allowPrivateAddresses`: one in a
 * special-purpose range (@weft/utils `isSpecialPurposeIp`: private,
 * loopback, link-local, CGNAT, multicast, …; documentation ranges are not
 * special). Text that is no IP counts as private.
 */
export function isPrivateIp(ip: string): boolean {
  return isSpecialPurposeIp(ip)
}
