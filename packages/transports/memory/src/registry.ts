/**
 * The process-wide directory of memory listeners, by name. Bounded: beyond
 * `maxListeners` names, listening fails. Tests and simulations that want
 * isolated networks pass their own `MemoryRegistry` to the transport.
 */
import { ListenError } from '@libp2p/interface'
import type { MemoryListener } from './listener.js'

export const DEFAULT_MAX_LISTENERS = 10_000

export class MemoryRegistry {
  private readonly listeners = new Map<string, MemoryListener>()

  constructor(readonly maxListeners = DEFAULT_MAX_LISTENERS) {}

  /** Claims `name` for `listener`; throws `ListenError` when it is taken or the registry is full. */
  add(name: string, listener: MemoryListener): void {
    if (this.listeners.has(name)) throw new ListenError(`/memory/${name} is already in use`)
    if (this.listeners.size >= this.maxListeners) {
      throw new ListenError(
        `cannot listen on /memory/${name}: ${this.maxListeners} memory listeners already exist`,
      )
    }
    this.listeners.set(name, listener)
  }

  /** Releases `name` if `listener` holds it. */
  remove(name: string, listener: MemoryListener): void {
    if (this.listeners.get(name) === listener) this.listeners.delete(name)
  }

  get(name: string): MemoryListener | undefined {
    return this.listeners.get(name)
  }

  get size(): number {
    return this.listeners.size
  }
}

/** The registry every memory transport uses unless given another. */
export const defaultRegistry = new MemoryRegistry()
