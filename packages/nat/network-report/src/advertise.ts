/**
 * Which addresses the host should advertise beyond its own listen addresses
 * (a pure decision, applied by the service through the address manager).
 *
 * The host advertises (identify's listenAddrs and signed peer record, through
 * `addressManager.getAddresses()`) its listen addresses plus the observed
 * addresses someone *confirmed*; observed ones that nobody confirmed (what
 * identify's peers saw, what port mapping added) are kept but not offered.
 *
 * - 'none': add nothing (the host's own behaviour).
 * - 'confirmed': every address AutoNAT v2 found reachable.
 * - 'mapped': that, plus every port-mapped address unless AutoNAT v2 found it
 *   unreachable (trusting the router's word until a dial-back says otherwise).
 */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Sources } from './sources.js'

export type AdvertiseMode = 'none' | 'confirmed' | 'mapped'

export const ADVERTISE_MODES: readonly AdvertiseMode[] = ['none', 'confirmed', 'mapped']

/** The addresses to confirm with the address manager, keyed by their text, in a stable order. */
export function addressesToAdvertise(mode: AdvertiseMode, sources: Sources): Map<string, Multiaddr> {
  const out = new Map<string, Multiaddr>()
  if (mode === 'none') return out
  const verdicts = sources.autonatV2?.getAddressReachability() ?? []
  const unreachable = new Set<string>()
  for (const verdict of verdicts) {
    const key = verdict.address.toString()
    if (verdict.reachability === 'reachable') out.set(key, verdict.address)
    else if (verdict.reachability === 'unreachable') unreachable.add(key)
  }
  if (mode === 'mapped') {
    for (const address of sources.portMapping?.getMappedAddresses() ?? []) {
      const key = address.toString()
      if (!unreachable.has(key)) out.set(key, address)
    }
  }
  return out
}
