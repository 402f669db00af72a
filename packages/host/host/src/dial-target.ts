/**
 * Dial targets: what `dial` accepts (a `PeerId`, a `Multiaddr`, several, or
 * multiaddr strings typed by a person) turned into the peer to reach and the
 * addresses to try.
 */
import { type DialTarget, isPeerId, type PeerId } from '@libp2p/interface'
import { isMultiaddr, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { DialRequest } from './dialer.js'
import { InvalidMultiaddrError, InvalidParametersError } from './errors.js'
import { peerIdFromAddress } from './internal/addresses.js'

/** Splits a dial target into the peer it names and the addresses to try. */
export function parseTarget(target: DialTarget): DialRequest {
  if (isPeerId(target)) return { peerId: target, addresses: [] }
  const addresses = Array.isArray(target) ? target : [target]
  if (addresses.length === 0 || !addresses.every((address) => isMultiaddr(address))) {
    throw new InvalidParametersError('a dial target is a PeerId, a Multiaddr or a non-empty Multiaddr array')
  }
  let peerId: PeerId | undefined
  for (const address of addresses) {
    const named = peerIdFromAddress(address)
    if (named == null) continue
    if (peerId != null && !peerId.equals(named)) {
      throw new InvalidParametersError(
        `the addresses name different peers: ${peerId.toString()} and ${named.toString()}`,
      )
    }
    peerId = named
  }
  return { peerId, addresses }
}

/** A dial target with its strings parsed as multiaddrs. */
export function dialTarget(target: DialTarget | string | string[]): DialTarget {
  if (typeof target === 'string') return toMultiaddr(target)
  if (Array.isArray(target)) return target.map((address: Multiaddr | string) => toMultiaddr(address))
  return target
}

/** `address` itself, or the multiaddr a string spells; a string that spells none throws `InvalidMultiaddrError`. */
export function toMultiaddr(address: Multiaddr | string): Multiaddr {
  if (typeof address !== 'string') return address
  if (!address.startsWith('/')) {
    // the usual slip: a bare peer id where an address was meant
    throw new InvalidMultiaddrError(
      `"${address}" is not a multiaddr: one starts with "/", e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer id>` +
        ' (to dial a known peer by id, pass peerIdFromString(id))',
    )
  }
  try {
    const parsed = multiaddr(address)
    if (parsed.getComponents().length > 0) return parsed
  } catch (err) {
    throw new InvalidMultiaddrError(`"${address}" is not a multiaddr: ${(err as Error).message}`)
  }
  throw new InvalidMultiaddrError(`"${address}" is not a multiaddr: it names no protocol`)
}
