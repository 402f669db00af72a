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
 * The order a dial tries addresses (RFC 8305 §4, "happy eyeballs"): direct
 * addresses before relayed ones; among direct ones IPv6 and IPv4 alternate,
 * IPv6 first, then the rest; duplicates removed. Stable within each group.
 */
export function sortForDialing(addresses: Multiaddr[]): Multiaddr[] {
  const seen = new Set<string>()
  const v6: Multiaddr[] = []
  const v4: Multiaddr[] = []
  const other: Multiaddr[] = []
  const relayed: Multiaddr[] = []
  for (const address of addresses) {
    const key = address.toString()
    if (seen.has(key)) continue
    seen.add(key)
    if (isRelayed(address)) relayed.push(address)
    else {
      const family = addressFamily(address)
      if (family === 6) v6.push(address)
      else if (family === 4) v4.push(address)
      else other.push(address)
    }
  }
  const out: Multiaddr[] = []
  for (let i = 0; i < Math.max(v6.length, v4.length); i++) {
    if (i < v6.length) out.push(v6[i]!)
    if (i < v4.length) out.push(v4[i]!)
  }
  return [...out, ...other, ...relayed]
}
