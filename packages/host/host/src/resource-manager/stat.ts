/** What `ResourceManager.stat()` reports: usage and limits per scope, and refusals counted by kind. */
import type { Resource, ScopeKind, ScopeLimits, ScopeUsage } from './limits.js'
import type { Scope } from './scope.js'

export interface ScopeStat {
  usage: ScopeUsage
  limits: ScopeLimits
}

export interface Refusals {
  scope: ScopeKind
  resource: Resource
  count: number
}

export interface ResourceStat {
  system: ScopeStat
  transient: ScopeStat
  /** by peer id: only peers holding something (an idle peer's scope is dropped) */
  peers: Record<string, ScopeStat>
  /** by protocol id: only protocols with open streams */
  protocols: Record<string, ScopeStat>
  /** connection and stream spans open (each charges one connection or stream) */
  connections: number
  streams: number
  /** reservations refused since the host was created, by the kind of scope and resource that refused */
  refusals: Refusals[]
}

export function scopeStat(scope: Scope): ScopeStat {
  return { usage: { ...scope.usage }, limits: { ...scope.limits } }
}

export function scopeStats(scopes: ReadonlyMap<string, Scope>): Record<string, ScopeStat> {
  const stats: Record<string, ScopeStat> = {}
  for (const [id, scope] of scopes) stats[id] = scopeStat(scope)
  return stats
}

/** `peer:<id>` → `peer`: refusals are counted per kind so the count's keys stay bounded. */
export function scopeKindOf(name: string): ScopeKind {
  const kind = name.split(':', 1)[0]
  return (kind ?? name) as ScopeKind
}
