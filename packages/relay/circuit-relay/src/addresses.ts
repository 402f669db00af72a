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

const CODE_IP4 = 4
const CODE_IP6 = 41

/**
 * The address a reservation counts against: the IPv4 address, or the /64 of
 * an IPv6 one (a single host usually holds a whole /64); undefined when the
 * address names no IP (a relayed or DNS address).
 */
export function reservationAddressKey(address: Multiaddr): string | undefined {
  const first = address.getComponents()[0]
  if (first?.value == null) return undefined
  if (first.code === CODE_IP4) return first.value
  if (first.code !== CODE_IP6) return undefined
  const groups = expandIp6(first.value)
  return groups == null ? first.value : `${groups.slice(0, 4).join(':')}::/64`
}

/** The eight 16-bit groups of an IPv6 address, lower-case without leading zeros; undefined if malformed. */
function expandIp6(text: string): string[] | undefined {
  const [head, tail, ...rest] = text.toLowerCase().split('::')
  if (rest.length > 0 || head == null) return undefined
  const left = head === '' ? [] : head.split(':')
  const right = tail == null || tail === '' ? [] : tail.split(':')
  const missing = 8 - left.length - right.length
  if (tail == null ? missing !== 0 : missing < 1) return undefined
  const groups = [...left, ...Array.from({ length: tail == null ? 0 : missing }, () => '0'), ...right]
  if (groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined
  return groups.map((group) => Number.parseInt(group, 16).toString(16))
}
