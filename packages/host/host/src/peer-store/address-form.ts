/**
 * One entry per address: the form in which the peer store keeps an address
 * of a peer. A trailing `/p2p/<peer>` naming the peer itself is dropped (so
 * `/ip4/1.2.3.4/tcp/1` and `/ip4/1.2.3.4/tcp/1/p2p/<peer>` are one address);
 * an address whose `/p2p/` names another peer is not the peer's and is left
 * out, except the relay part of a circuit address (`/p2p/<relay>/p2p-circuit`
 * stays, and only what follows the circuit must name the peer, if anything).
 * Pure; every write path of the peer store and every record it decodes go
 * through it.
 */
import type { PeerId } from '@libp2p/interface'
import { CODE_P2P, CODE_P2P_CIRCUIT, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import type { StoredAddress } from './peer-record-data.js'

/** `address` in the form kept for `peer`, or undefined when it is not an address of `peer`. */
export function addressForm(peer: PeerId, address: Multiaddr): Multiaddr | undefined {
  const components = address.getComponents()
  let circuit = -1
  for (let i = components.length - 1; i >= 0; i--) {
    if (components[i]!.code === CODE_P2P_CIRCUIT) {
      circuit = i
      break
    }
  }
  let end = components.length
  const last = components[end - 1]
  if (last?.code === CODE_P2P && end - 1 > circuit) {
    if (!namesPeer(last.value, peer)) return undefined
    end--
  }
  // past the relay, any other /p2p/ names someone else
  for (let i = circuit + 1; i < end; i++) {
    if (components[i]!.code === CODE_P2P) return undefined
  }
  // a bare /p2p/<peer> says nothing about where the peer is
  if (end === 0) return undefined
  return end === components.length ? address : address.decapsulateCode(CODE_P2P)
}

/**
 * The stored addresses with every one in its kept form and none twice; of
 * two entries that become one, the later expiry (none: never) wins and a
 * certified one stays certified. Returns `addresses` itself when nothing
 * changes.
 */
export function normaliseStoredAddresses(
  peer: PeerId,
  addresses: Map<string, StoredAddress>,
): Map<string, StoredAddress> {
  let changed = false
  const out = new Map<string, StoredAddress>()
  for (const [key, address] of addresses) {
    const multiaddr = addressForm(peer, address.multiaddr)
    if (multiaddr == null) {
      changed = true
      continue
    }
    const formKey = multiaddr === address.multiaddr ? key : multiaddr.toString()
    if (formKey !== key) changed = true
    const known = out.get(formKey)
    if (known == null) {
      out.set(formKey, multiaddr === address.multiaddr ? address : { ...address, multiaddr })
      continue
    }
    changed = true
    out.set(formKey, mergeEntries(known, { ...address, multiaddr }))
  }
  return changed ? out : addresses
}

function mergeEntries(a: StoredAddress, b: StoredAddress): StoredAddress {
  const newer = a.expires == null || (b.expires != null && a.expires >= b.expires) ? a : b
  const merged: StoredAddress = { multiaddr: newer.multiaddr, isCertified: a.isCertified || b.isCertified }
  if (newer.expires != null) merged.expires = newer.expires
  return merged
}

function namesPeer(value: string | undefined, peer: PeerId): boolean {
  if (value == null) return false
  if (value === peer.toString()) return true
  try {
    // the same id spelt another way (a CID rather than base58btc)
    return peerIdFromString(value).equals(peer)
  } catch {
    return false
  }
}
