/**
 * A memory scope that only counts, with a limit, as the host's spans count
 * it: for a muxer's tests (and a program without a host that wants a memory
 * cap), with what the tests check — the peak, the refusals and any release
 * of more than was held.
 */
import type { MemoryScope, ResourceScopes } from './resource-scope.js'

export class CountingMemoryScope implements MemoryScope {
  used = 0
  peak = 0
  refusals = 0
  /** releases of more than was held: a double release would show here */
  overReleased = 0

  constructor(readonly limit: number) {}

  reserveMemory(bytes: number, priority = 255): void {
    // the host's rule: priority p may fill (p + 1) / 256 of the limit
    const limit = Math.floor((this.limit * (priority + 1)) / 256)
    if (this.used + bytes > limit) {
      this.refusals++
      throw new RangeError(`memory: ${this.used} + ${bytes} is over ${limit}`)
    }
    this.used += bytes
    this.peak = Math.max(this.peak, this.used)
  }

  releaseMemory(bytes: number): void {
    if (bytes > this.used) this.overReleased += bytes - this.used
    this.used = Math.max(0, this.used - bytes)
  }
}

/** A resource manager that knows one scope, for `channel`. */
export function scopesFor(channel: object, scope: MemoryScope): ResourceScopes {
  return { scopeOf: (target) => (target === channel ? scope : undefined) }
}
