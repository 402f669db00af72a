/**
 * Memory multiaddrs: `/memory/<name>`, optionally followed by `/p2p/<peer-id>`
 * (the `memory` protocol, code 777, of the multiaddr table). The name is any
 * string the multiaddr parser accepts and identifies a listener in the
 * process-wide registry.
 */
import { InvalidMultiaddrError } from '@libp2p/interface'
import { CODE_MEMORY, CODE_P2P, type Multiaddr } from '@multiformats/multiaddr'

/** Returns the listener name in `ma`, or undefined when `ma` is not a memory address. */
export function memoryName(ma: Multiaddr): string | undefined {
  const components = ma.getComponents()
  const first = components[0]
  if (first?.code !== CODE_MEMORY || first.value == null || first.value === '') return undefined
  if (components.length > 2 || (components.length === 2 && components[1].code !== CODE_P2P)) return undefined
  return first.value
}

/** Returns the listener name in `ma`, or throws `InvalidMultiaddrError`. */
export function toMemoryName(ma: Multiaddr): string {
  const name = memoryName(ma)
  if (name == null)
    throw new InvalidMultiaddrError(`expected a memory multiaddr such as /memory/a, got ${ma}`)
  return name
}

export function isMemoryAddr(ma: Multiaddr): boolean {
  return memoryName(ma) != null
}
