/**
 * Which addresses one dial tries: the given ones or the peer store's,
 * dialable by a configured transport, allowed by the gater, not our own,
 * in dial order (`sortForDialing`: those on `localNetworks`, our own
 * networks, first) and at most `maxPeerAddrsToDial`. When none is left the
 * error says why (nothing known, nothing dialable, or only our own).
 */
import {
  type AbortOptions,
  type ConnectionGater,
  NotFoundError,
  type PeerId,
  type PeerStore,
} from '@libp2p/interface'
import { CODE_P2P_CIRCUIT, type Multiaddr } from '@multiformats/multiaddr'
import type { AddressManager, TransportManager } from './components.js'
import { NoValidAddressesError, SelfDialError } from './errors.js'
import { sortForDialing, withoutPeerId, withPeerId } from './internal/addresses.js'

export interface DialAddressSources {
  peerId: PeerId
  peerStore: Pick<PeerStore, 'get'>
  connectionGater: ConnectionGater
  transportManager: Pick<TransportManager, 'dialTransportForMultiaddr'>
  addressManager: Pick<AddressManager, 'getListenAddrs'>
}

export async function addressesToDial(
  sources: DialAddressSources,
  request: { peerId?: PeerId; addresses: Multiaddr[] },
  maxPeerAddrsToDial: number,
  options: AbortOptions,
  localNetworks: readonly string[] = [],
): Promise<Multiaddr[]> {
  const { peerId } = request
  const candidates = await candidatesFor(sources, request, options)
  const own = new Set(
    sources.addressManager.getListenAddrs().map((address) => withoutPeerId(address).toString()),
  )
  const dialable: Multiaddr[] = []
  let ours = 0
  for (const candidate of candidates) {
    const address = peerId != null ? withPeerId(candidate, peerId) : candidate
    // a circuit through a relay we also listen on is ours only with our peer id at the end, and
    // withoutPeerId strips exactly that: compare circuits whole
    const circuit = address.getComponents().some((component) => component.code === CODE_P2P_CIRCUIT)
    if (!circuit && own.has(withoutPeerId(address).toString())) {
      ours++
      continue
    }
    if (sources.transportManager.dialTransportForMultiaddr(address) == null) continue
    if ((await sources.connectionGater.denyDialMultiaddr?.(address)) === true) continue
    dialable.push(address)
  }
  const sorted = sortForDialing(dialable, localNetworks).slice(0, maxPeerAddrsToDial)
  if (sorted.length === 0) throw noneLeft(sources.peerId, peerId, candidates, ours)
  return sorted
}

async function candidatesFor(
  sources: DialAddressSources,
  request: { peerId?: PeerId; addresses: Multiaddr[] },
  options: AbortOptions,
): Promise<Multiaddr[]> {
  if (request.addresses.length > 0 || request.peerId == null) return request.addresses
  try {
    const peer = await sources.peerStore.get(request.peerId, options)
    return peer.addresses.map((address) => address.multiaddr)
  } catch (err) {
    if ((err as Error).name !== NotFoundError.name) throw err
    return []
  }
}

function noneLeft(self: PeerId, peerId: PeerId | undefined, candidates: Multiaddr[], ours: number): Error {
  const target = peerId?.toString() ?? candidates.map(String).join(', ')
  if (ours > 0 && ours === candidates.length) {
    // Another peer can announce an address equal to one of ours (its
    // loopback, or the same private address behind another NAT): dialing
    // it would reach us, but the dial is not a self dial.
    if (peerId == null || peerId.equals(self)) return new SelfDialError('every address to dial is our own')
    return new NoValidAddressesError(
      `every address known for ${target} is also one of ours (dialing it would reach this host)`,
    )
  }
  return new NoValidAddressesError(
    candidates.length === 0
      ? `no addresses are known for ${target}`
      : `none of the addresses of ${target} can be dialed by the configured transports`,
  )
}
