/**
 * The part of a resource manager a muxer, transport or service needs: find
 * the scope of the channel it works on and reserve memory there before it
 * buffers. It lives here, not in @weft/host, because packages below the host
 * (muxers, encrypters) may not depend on it: the host's `ResourceManager`
 * satisfies these types, and so does a counter in a test.
 */

/** Memory held against a budget: reserve before buffering, release when the buffer drains. */
export interface MemoryScope {
  /**
   * Reserves `bytes` before the caller buffers them.
   *
   * @param priority 0–255: a reservation may fill only `(priority + 1) / 256`
   * of a limit (default 255, all of it), so optional buffers such as a grown
   * receive window pass a low one and leave room for what must not fail
   * @throws when the budget refuses (the host throws `ResourceLimitError`); nothing is reserved then
   */
  reserveMemory(bytes: number, priority?: number): void
  /** Gives back memory reserved with `reserveMemory`; never more than is held. */
  releaseMemory(bytes: number): void
}

/** Where a component finds the scope of a connection or stream it was handed. */
export interface ResourceScopes {
  /** The scope bound to `target` (a connection, secured channel or stream), or undefined when none is. */
  scopeOf(target: object): MemoryScope | undefined
}

/**
 * The host's resource scopes, if its components have them. A muxer also runs
 * inside js-libp2p, whose components throw on a name they do not know
 * (`MissingServiceError: resourceManager not set`): without a manager the
 * muxer reserves nothing, as before.
 */
export function resourceScopesOf(components: object): ResourceScopes | undefined {
  if (!('resourceManager' in components)) return undefined
  try {
    const manager = (components as { resourceManager?: ResourceScopes }).resourceManager
    return typeof manager?.scopeOf === 'function' ? manager : undefined
  } catch {
    // a getter that throws: the host has not made one
    return undefined
  }
}

/**
 * Memory reservations a muxer makes for one stream's buffers, in one counter
 * so they can be given back exactly once whatever ends the stream: `reserve`
 * adds to it, `releaseTo` trims it to what is still needed, and `releaseAll`
 * drops the rest. Without a scope every reservation succeeds and costs nothing.
 */
export class MemoryReservation {
  private held = 0

  constructor(
    private readonly scope: MemoryScope | undefined,
    private readonly priority?: number,
  ) {}

  /** Bytes reserved and not given back. */
  get reserved(): number {
    return this.held
  }

  /**
   * Reserves `bytes` more.
   *
   * @throws what the scope throws when it refuses (or is already closed); nothing is reserved then
   */
  reserve(bytes: number): void {
    if (bytes <= 0 || this.scope == null) return
    this.scope.reserveMemory(bytes, this.priority)
    this.held += bytes
  }

  /** Reserves `bytes` more, or returns false (reserving nothing) when the scope refuses: for optional buffers. */
  tryReserve(bytes: number): boolean {
    try {
      this.reserve(bytes)
      return true
    } catch {
      return false
    }
  }

  /** Gives back whatever exceeds `needed` bytes. */
  releaseTo(needed: number): void {
    const excess = this.held - Math.max(0, needed)
    if (excess <= 0) return
    this.held -= excess
    this.scope?.releaseMemory(excess)
  }

  releaseAll(): void {
    this.releaseTo(0)
  }
}
