/**
 * Circuit addresses: `<relay address>/p2p/<relay id>/p2p-circuit/p2p/<target id>`
 * to dial, `<relay address>/p2p/<relay id>/p2p-circuit` (or a bare
 * `/p2p-circuit`) to listen on (relay/circuit-v2.md "Interaction").
 */
import type { PeerId } from '@libp2p/interface'
import {
  CODE_P2P,
  CODE_P2P_CIRCUIT,
  type Component,
  type Multiaddr,
  multiaddr,
} from '@multiformats/multiaddr'
import { peerIdFromString } from '@weft/peer-id'
import { InvalidRelayAddressError } from './errors.js'

export interface CircuitAddress {
  /** the address of the relay, ending in `/p2p/<relay id>`; undefined for a bare `/p2p-circuit` */
  relay?: Multiaddr
  relayPeer?: PeerId
  /** the target behind the relay (dial addresses only) */
  target?: PeerId
}

function circuitIndex(components: Component[]): number {
  let index = -1
  for (let i = 0; i < components.length; i++) {
    if (components[i]!.code === CODE_P2P_CIRCUIT) {
      // one hop only: circuit v2 does not chain relays
      if (index !== -1) return -2
      index = i
    }
  }
  return index
}

/** Splits a circuit address; throws `InvalidRelayAddressError` when it is not one. */
export function parseCircuitAddress(address: Multiaddr): CircuitAddress {
  const components = address.getComponents()
  const index = circuitIndex(components)
  if (index < 0)
    throw new InvalidRelayAddressError(`${address.toString()} is not a single-hop circuit address`)
  const before = components.slice(0, index)
  const after = components.slice(index + 1)
  const out: CircuitAddress = {}
  try {
    if (before.length > 0) {
      const last = before[before.length - 1]!
      if (last.code !== CODE_P2P || last.value == null) {
        throw new InvalidRelayAddressError(`${address.toString()} does not name the relay's peer id`)
      }
      out.relay = multiaddr(before)
      out.relayPeer = peerIdFromString(last.value)
    }
    if (after.length > 1) {
      throw new InvalidRelayAddressError(`${address.toString()} has more after /p2p-circuit than a peer id`)
    }
    if (after.length === 1) {
      const target = after[0]!
      if (target.code !== CODE_P2P || target.value == null) {
        throw new InvalidRelayAddressError(`${address.toString()} names no target after /p2p-circuit`)
      }
      out.target = peerIdFromString(target.value)
    }
  } catch (err) {
    if (err instanceof InvalidRelayAddressError) throw err
    throw new InvalidRelayAddressError(`${address.toString()}: ${(err as Error).message}`)
  }
  return out
}

/** Addresses this transport dials: a relay, `/p2p-circuit`, and a target. */
export function isDialableCircuit(address: Multiaddr): boolean {
  try {
    const parsed = parseCircuitAddress(address)
    return parsed.relay != null && parsed.target != null
  } catch {
    return false
  }
}

/** Addresses this transport listens on: ending in `/p2p-circuit`. */
export function isListenableCircuit(address: Multiaddr): boolean {
  try {
    return parseCircuitAddress(address).target == null
  } catch {
    return false
  }
}

export function isCircuitAddress(address: Multiaddr): boolean {
  return address.getComponents().some((component) => component.code === CODE_P2P_CIRCUIT)
}
