/**
 * A span: the resources one connection or one stream holds, charged to its
 * own scope and to its parents (transient or peer and protocol, and system).
 * Muxers, encrypters and services reserve memory through it before they
 * buffer (`reserveMemory`), and give it back when the buffer drains
 * (`releaseMemory`); `done()` gives back everything the span still holds,
 * once, however many times it is called.
 */
import type { MemoryScope } from '@weft/utils'
import type { ResourceLimitError } from '../errors.js'
import {
  emptyUsage,
  type ResourceDelta,
  type ScopeKind,
  type ScopeLimits,
  type ScopeUsage,
} from './limits.js'
import { addDelta, MAX_PRIORITY, release, reserve, Scope } from './scope.js'

/** What the host hands to a muxer, transport or service for one connection or stream. */
export interface ResourceScope {
  /** 'connection' or 'stream' */
  readonly kind: ScopeKind
  /**
   * Reserves `bytes` of memory in this scope and every parent, before the
   * caller buffers them.
   *
   * @param priority 0–255: a reservation may fill `(priority + 1) / 256` of a
   * scope's memory limit (default 255, all of it), so optional buffers (read
   * ahead, window growth) pass a low priority and leave room for the rest
   * @throws ResourceLimitError naming the scope that refused; nothing is reserved then
   */
  reserveMemory(bytes: number, priority?: number): void
  /** Gives back memory reserved by `reserveMemory` (at most what this span holds). */
  releaseMemory(bytes: number): void
  /** What this span holds now. */
  stat(): ScopeUsage
  /** Whether `done()` ran. */
  readonly closed: boolean
}

/** How a span tells its manager what happened (refusals are counted, idle parents dropped). */
export interface SpanHooks {
  refused(err: ResourceLimitError): void
  detached(scope: Scope): void
  /** the span gave everything back (`done()`, once) */
  ended(span: Span): void
}

/** A `MemoryScope` (@weft/utils) too, so muxers below the host reserve through it without depending on it. */
export class Span implements ResourceScope, MemoryScope {
  /**
   * The scopes charged: its own first, then its parents. One array kept as
   * it changes, so a reservation or a release allocates no chain of its own.
   */
  private scopes: Scope[]
  private readonly held = emptyUsage()
  private finished = false

  constructor(
    readonly kind: 'connection' | 'stream',
    limits: ScopeLimits,
    parents: Scope[],
    private readonly hooks: SpanHooks,
  ) {
    this.scopes = [new Scope(kind, limits), ...parents]
    for (const parent of parents) parent.refs++
  }

  get closed(): boolean {
    return this.finished
  }

  /** The scopes charged, own scope first. */
  get chain(): readonly Scope[] {
    return this.scopes
  }

  /** Charges `delta` to the whole chain or throws `ResourceLimitError` (counted) and charges nothing. */
  reserve(delta: ResourceDelta, priority = MAX_PRIORITY): void {
    if (this.finished) throw new RangeError(`the ${this.kind} scope is closed`)
    try {
      reserve(this.chain, delta, priority)
    } catch (err) {
      this.hooks.refused(err as ResourceLimitError)
      throw err
    }
    addDelta(this.held, delta, 1)
  }

  /** Gives back `delta`, capped at what the span holds, so a double release never goes negative. */
  release(delta: ResourceDelta): void {
    if (this.finished) return
    const capped: ResourceDelta = {}
    for (const [resource, amount] of Object.entries(delta) as Array<[keyof ScopeUsage, number]>) {
      capped[resource] = Math.min(Math.max(0, amount), this.held[resource])
    }
    release(this.chain, capped)
    addDelta(this.held, capped, -1)
  }

  reserveMemory(bytes: number, priority = MAX_PRIORITY): void {
    if (!Number.isInteger(bytes) || bytes < 0)
      throw new RangeError(`bytes must be a non-negative integer, got ${bytes}`)
    if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY)
      throw new RangeError(`priority must be an integer from 0 to ${MAX_PRIORITY}, got ${priority}`)
    if (bytes > 0) this.reserve({ memory: bytes }, priority)
  }

  releaseMemory(bytes: number): void {
    this.release({ memory: bytes })
  }

  stat(): ScopeUsage {
    return { ...this.held }
  }

  /**
   * Moves everything held from parent `from` to `to` (a connection from the
   * transient scope to its peer's, a stream to its protocol's): `to` must
   * take it all, else `ResourceLimitError` and nothing changes.
   */
  move(from: Scope, to: Scope): void {
    if (this.finished) throw new RangeError(`the ${this.kind} scope is closed`)
    const index = this.scopes.indexOf(from, 1)
    if (index === -1 || from === to) return
    try {
      reserve([to], this.held)
    } catch (err) {
      this.hooks.refused(err as ResourceLimitError)
      throw err
    }
    release([from], this.held)
    this.scopes[index] = to
    to.refs++
    from.refs--
    this.hooks.detached(from)
  }

  /** Stops charging parent `from` (a stream leaving its peer's transient share once negotiated). */
  leave(from: Scope): void {
    if (this.finished) return
    const index = this.scopes.indexOf(from, 1)
    if (index === -1) return
    release([from], this.held)
    this.scopes.splice(index, 1)
    from.refs--
    this.hooks.detached(from)
  }

  /** Whether `scope` is one this span charges. */
  charges(scope: Scope): boolean {
    return this.scopes.indexOf(scope, 1) !== -1
  }

  /** Gives back everything still held; later calls do nothing. */
  done(): void {
    if (this.finished) return
    release(this.chain, this.held)
    addDelta(this.held, this.held, -1)
    this.finished = true
    const parents = this.scopes.slice(1)
    this.scopes = this.scopes.slice(0, 1)
    for (const parent of parents) {
      parent.refs--
      this.hooks.detached(parent)
    }
    this.hooks.ended(this)
  }
}
