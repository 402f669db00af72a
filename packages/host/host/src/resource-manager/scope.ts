/**
 * A scope: a named set of limits and what is held against them. Pure
 * bookkeeping, no I/O. A reservation goes through a chain of scopes (a stream
 * through its own scope, its protocol's or the transient scope, its peer's,
 * and the system's) and is all-or-nothing: every scope of the chain is checked
 * before any is charged, so a refusal leaves every counter as it was.
 */
import { ResourceLimitError } from '../errors.js'
import { emptyUsage, RESOURCES, type ResourceDelta, type ScopeLimits, type ScopeUsage } from './limits.js'

/** A reservation's priority for `memory`: 0 may use 1/256 of the limit, 255 all of it. */
export const MAX_PRIORITY = 255

export class Scope {
  readonly usage: ScopeUsage = emptyUsage()
  /** spans (connections, streams) charging this scope; the manager drops an unused peer or protocol scope */
  refs = 0

  constructor(
    /** as in `ResourceLimitError.scope`: 'system', 'peer:<id>', … */
    readonly name: string,
    readonly limits: ScopeLimits,
  ) {}

  /** The first resource `delta` would take over this scope's limit, or undefined when it fits. */
  overLimit(delta: ResourceDelta, priority = MAX_PRIORITY): ResourceLimitError | undefined {
    for (const resource of RESOURCES) {
      const requested = delta[resource] ?? 0
      if (requested <= 0) continue
      let limit = this.limits[resource]
      // lower priorities may fill only part of the memory budget (the rest stays for what must not fail)
      if (resource === 'memory' && priority < MAX_PRIORITY && Number.isFinite(limit))
        limit = Math.floor((limit * (priority + 1)) / (MAX_PRIORITY + 1))
      if (this.usage[resource] + requested > limit) {
        return new ResourceLimitError({
          scope: this.name,
          resource,
          limit,
          used: this.usage[resource],
          requested,
        })
      }
    }
    return undefined
  }

  isIdle(): boolean {
    return this.refs === 0 && RESOURCES.every((resource) => this.usage[resource] === 0)
  }
}

/** Charges `delta` to every scope of `chain`, or throws `ResourceLimitError` naming the first that refuses and charges none. */
export function reserve(chain: readonly Scope[], delta: ResourceDelta, priority = MAX_PRIORITY): void {
  for (const scope of chain) {
    const refusal = scope.overLimit(delta, priority)
    if (refusal != null) throw refusal
  }
  for (const scope of chain) {
    for (const resource of RESOURCES) scope.usage[resource] += delta[resource] ?? 0
  }
}

/** Gives `delta` back to every scope of `chain` (never below zero). */
export function release(chain: readonly Scope[], delta: ResourceDelta): void {
  for (const scope of chain) {
    for (const resource of RESOURCES) {
      scope.usage[resource] = Math.max(0, scope.usage[resource] - (delta[resource] ?? 0))
    }
  }
}

export function addDelta(target: ScopeUsage, delta: ResourceDelta, sign: 1 | -1): void {
  for (const resource of RESOURCES)
    target[resource] = Math.max(0, target[resource] + sign * (delta[resource] ?? 0))
}
