/**
 * Pure multiaddr helpers: the peer id an address names, adding or removing a
 * trailing `/p2p/<id>`, and the order in which a dial tries addresses.
 */
import type { PeerId } from '@libp2p/interface'
import {
  CODE_DNS4,
  CODE_DNS6,
  CODE_IP4,
  CODE_IP6,
  CODE_IP6ZONE,
  CODE_P2P,
  CODE_P2P_CIRCUIT,
  type Multiaddr,
} from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import { inCidr, ipScope } from '@weft/utils'

/** The peer id in the last `/p2p/` component (the target, past any relay), or undefined. */
export function peerIdFromAddress(address: Multiaddr): PeerId | undefined {
  const components = address.getComponents()
  for (let i = components.length - 1; i >= 0; i--) {
    const component = components[i]!
    if (component.code === CODE_P2P_CIRCUIT) return undefined
    if (component.code === CODE_P2P && component.value != null) return peerIdFromString(component.value)
  }
  return undefined
}

/** The address without a trailing `/p2p/<id>`. */
export function withoutPeerId(address: Multiaddr): Multiaddr {
  const components = address.getComponents()
  const last = components[components.length - 1]
  if (last?.code !== CODE_P2P) return address
  return address.decapsulateCode(CODE_P2P)
}

/** The address ending in `/p2p/<peerId>` (unchanged when it already names a peer at its end). */
export function withPeerId(address: Multiaddr, peerId: PeerId): Multiaddr {
  const components = address.getComponents()
  const last = components[components.length - 1]
  if (last?.code === CODE_P2P) return address
  return address.encapsulate(`/p2p/${peerId.toString()}`)
}

/** True when the address goes through a relay. */
export function isRelayed(address: Multiaddr): boolean {
  return address.getComponents().some((component) => component.code === CODE_P2P_CIRCUIT)
}

/** 6 or 4 for IP (and dns6/dns4) addresses, 0 for anything else. */
export function addressFamily(address: Multiaddr): 0 | 4 | 6 {
  const first = address.getComponents()[0]
  if (first == null) return 0
  if (first.code === CODE_IP6 || first.code === CODE_IP6ZONE || first.code === CODE_DNS6) return 6
  if (first.code === CODE_IP4 || first.code === CODE_DNS4) return 4
  return 0
}

/**
 * How likely an address is to work from here, best first:
 * 0. an IP on one of `localNetworks` (our interfaces' CIDR blocks, loopback
 *    ones left out by the caller), or a link-local one with a zone: the same
 *    LAN or link, so two hosts behind one NAT talk over it, not through it;
 * 1. a global IP, or a name (dns4, dns6, dns);
 * 2. a private IP of another network (routed somewhere, maybe; often not);
 * 3. a loopback IP: it reaches the peer only when the peer runs here;
 * 4. a link-local IP without a zone: one link, and IPv6 ones cannot even be
 *    dialed without naming the interface.
 * Addresses that are neither IP nor name rank 1.
 */
export function routeRank(address: Multiaddr, localNetworks: readonly string[]): number {
  const components = address.getComponents()
  const zoned = components[0]?.code === CODE_IP6ZONE
  const ip = zoned ? components[1] : components[0]
  if (ip == null || (ip.code !== CODE_IP4 && ip.code !== CODE_IP6)) return 1
  const host = ip.value ?? ''
  const scope = ipScope(host)
  if (scope == null) return 1
  if (scope !== 'loopback' && localNetworks.some((network) => inCidr(host, network))) return 0
  if (scope === 'link-local') return zoned ? 0 : 4
  return scope === 'global' ? 1 : scope === 'private' ? 2 : 3
}

/**
 * The order a dial tries addresses: direct addresses before relayed ones;
 * direct ones by `routeRank` (our own networks first, loopback and bare
 * link-local last); within a rank IPv6 and IPv4 alternate, IPv6 first, as
 * RFC 8305 §4 ("happy eyeballs") has it, then the rest; duplicates removed.
 * Stable within each group.
 */
export function sortForDialing(addresses: Multiaddr[], localNetworks: readonly string[] = []): Multiaddr[] {
  const seen = new Set<string>()
  const byRank: Array<{ v6: Multiaddr[]; v4: Multiaddr[] }> = []
  const other: Multiaddr[] = []
  const relayed: Multiaddr[] = []
  for (const address of addresses) {
    const key = address.toString()
    if (seen.has(key)) continue
    seen.add(key)
    if (isRelayed(address)) {
      relayed.push(address)
      continue
    }
    const family = addressFamily(address)
    if (family === 0) {
      other.push(address)
      continue
    }
    const rank = routeRank(address, localNetworks)
    byRank[rank] ??= { v6: [], v4: [] }
    byRank[rank][family === 6 ? 'v6' : 'v4'].push(address)
  }
  const out: Multiaddr[] = []
  for (const group of byRank) {
    if (group == null) continue
    for (let i = 0; i < Math.max(group.v6.length, group.v4.length); i++) {
      if (i < group.v6.length) out.push(group.v6[i]!)
      if (i < group.v4.length) out.push(group.v4[i]!)
    }
  }
  return [...out, ...other, ...relayed]
}
