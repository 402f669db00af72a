/**
 * A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014):
 * stamps that follow wall time yet never go backwards and always order a
 * write after every write its writer had seen. A stamp is `[wall ms,
 * counter, node]`; the node (the writer's peer id) breaks the last ties, so
 * any two distinct writes compare the same way on every peer.
 */

export type Stamp = readonly [wall: number, counter: number, node: string]

/** Orders stamps: wall time, then counter, then node id (as strings). */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1
  if (a[2] === b[2]) return 0
  return a[2] < b[2] ? -1 : 1
}

export function isStamp(value: unknown): value is Stamp {
  return (
    Array.isArray(value) &&
    value.length === 3 &&
    Number.isSafeInteger(value[0]) &&
    value[0] >= 0 &&
    Number.isSafeInteger(value[1]) &&
    value[1] >= 0 &&
    typeof value[2] === 'string' &&
    value[2].length > 0 &&
    value[2].length <= 128
  )
}

export interface ClockInit {
  /** this writer's id (its peer id) */
  node: string
  /** physical time in ms (default `Date.now`) */
  now?: () => number
  /** a remote stamp further than this ahead of our wall time is refused (default 60 000 ms) */
  maxDrift?: number
}

export class HybridClock {
  private wall = 0
  private counter = 0
  readonly node: string
  private readonly now: () => number
  readonly maxDrift: number

  constructor(init: ClockInit) {
    this.node = init.node
    this.now = init.now ?? Date.now
    this.maxDrift = init.maxDrift ?? 60_000
  }

  /** A stamp for a local write, later than every stamp seen. */
  tick(): Stamp {
    const physical = this.now()
    if (physical > this.wall) {
      this.wall = physical
      this.counter = 0
    } else {
      this.counter++
    }
    return [this.wall, this.counter, this.node]
  }

  /** Whether `stamp` is within the allowed drift of our wall time. */
  acceptable(stamp: Stamp): boolean {
    return stamp[0] <= Math.max(this.now(), this.wall) + this.maxDrift
  }

  /** Moves the clock past a stamp received from another writer. */
  observe(stamp: Stamp): void {
    if (stamp[0] > this.wall) {
      this.wall = stamp[0]
      this.counter = stamp[1]
    } else if (stamp[0] === this.wall && stamp[1] > this.counter) {
      this.counter = stamp[1]
    }
  }
}
