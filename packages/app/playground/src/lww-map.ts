/**
 * A last-writer-wins map on hybrid logical clocks: a state-based CRDT. Each
 * key holds the value of the write with the greatest stamp; a delete is a
 * write of a tombstone, so it too wins or loses by its stamp. Merging is
 * commutative, associative and idempotent, so replicas that have seen the
 * same writes, in any order and any number of times, hold the same map.
 *
 * Pure: no I/O. SharedState (shared-state.ts) carries its deltas and digests.
 */
import { assertJson, type Json } from './codec.js'
import { StateLimitError } from './errors.js'
import { compareStamps, HybridClock, isStamp, type Stamp } from './hlc.js'

/** One key's winning write: `value` undefined is a tombstone (the key was deleted). */
export interface Entry {
  stamp: Stamp
  value?: Json
}

/** A write on the wire: `[key, stamp, value]`, the value omitted (length 2) for a delete. */
export type WireEntry = [key: string, stamp: Stamp, value?: Json]

/** What a replica has: every key with the stamp of its winning write. */
export type Digest = Array<[key: string, stamp: Stamp]>

export interface LwwMapInit {
  /** this replica's writer id (its peer id) */
  node: string
  /** physical clock in ms (default `Date.now`) */
  now?: () => number
  /** keys held at once, tombstones included (default 10 000) */
  maxEntries?: number
  /** characters in a key (default 256) */
  maxKeyLength?: number
  /** UTF-8 bytes of one value as JSON (default 64 KiB) */
  maxValueBytes?: number
}

export interface Change {
  key: string
  /** the new value; undefined when the key was deleted */
  value: Json | undefined
  /** the writer's peer id */
  writer: string
  stamp: Stamp
}

const encoder = new TextEncoder()

export class LwwMap {
  private readonly entries = new Map<string, Entry>()
  readonly clock: HybridClock
  readonly maxEntries: number
  readonly maxKeyLength: number
  readonly maxValueBytes: number

  constructor(init: LwwMapInit) {
    this.clock = new HybridClock({ node: init.node, now: init.now })
    this.maxEntries = init.maxEntries ?? 10_000
    this.maxKeyLength = init.maxKeyLength ?? 256
    this.maxValueBytes = init.maxValueBytes ?? 64 * 1024
  }

  get(key: string): Json | undefined {
    return this.entries.get(key)?.value
  }

  has(key: string): boolean {
    return this.entries.get(key)?.value !== undefined
  }

  /** Live keys (tombstones left out). */
  keys(): string[] {
    return [...this.entries].filter(([, entry]) => entry.value !== undefined).map(([key]) => key)
  }

  /** Live keys and values, as a plain object with keys sorted (equal maps give equal objects). */
  toJSON(): Record<string, Json> {
    const out: Record<string, Json> = {}
    for (const key of [...this.entries.keys()].sort()) {
      const value = this.entries.get(key)?.value
      if (value !== undefined) out[key] = value
    }
    return out
  }

  /** Keys held, tombstones included. */
  get size(): number {
    return this.entries.size
  }

  /** A local write (or delete, with `value` undefined): applies it and returns it for the wire. */
  write(key: string, value: Json | undefined): WireEntry {
    this.checkKey(key)
    if (value !== undefined) this.checkValue(value)
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      throw new StateLimitError(
        `the shared state holds ${this.maxEntries} keys (tombstones included); no room for "${key}"`,
      )
    }
    const stamp = this.clock.tick()
    this.entries.set(key, value === undefined ? { stamp } : { stamp, value })
    return value === undefined ? [key, stamp] : [key, stamp, value]
  }

  /**
   * Merges a write from another replica. Returns the change when it won,
   * undefined when the write lost, was a copy, or was refused (malformed, over
   * a bound, or stamped further ahead than the clock's `maxDrift`).
   */
  merge(wire: unknown): Change | undefined {
    if (!Array.isArray(wire) || (wire.length !== 2 && wire.length !== 3)) return undefined
    const [key, stamp, value] = wire as [unknown, unknown, unknown]
    if (typeof key !== 'string' || !isStamp(stamp)) return undefined
    try {
      this.checkKey(key)
      if (wire.length === 3) {
        assertJson(value)
        this.checkValue(value)
      }
    } catch {
      return undefined
    }
    if (!this.clock.acceptable(stamp)) return undefined
    const current = this.entries.get(key)
    if (current == null && this.entries.size >= this.maxEntries) return undefined
    if (current != null && compareStamps(stamp, current.stamp) <= 0) return undefined
    this.clock.observe(stamp)
    const entry: Entry = wire.length === 3 ? { stamp, value: value as Json } : { stamp }
    this.entries.set(key, entry)
    return { key, value: entry.value, writer: stamp[2], stamp }
  }

  digest(): Digest {
    return [...this.entries].map(([key, entry]) => [key, entry.stamp])
  }

  /** The writes this replica has that a replica with `digest` lacks or holds an older write for. */
  newerThan(digest: unknown): WireEntry[] {
    const theirs = new Map<string, Stamp>()
    if (Array.isArray(digest)) {
      for (const item of digest) {
        if (Array.isArray(item) && typeof item[0] === 'string' && isStamp(item[1]))
          theirs.set(item[0], item[1])
      }
    }
    const out: WireEntry[] = []
    for (const [key, entry] of this.entries) {
      const their = theirs.get(key)
      if (their != null && compareStamps(entry.stamp, their) <= 0) continue
      out.push(entry.value === undefined ? [key, entry.stamp] : [key, entry.stamp, entry.value])
    }
    return out
  }

  /** Every write held, for persistence. */
  all(): WireEntry[] {
    return this.newerThan([])
  }

  private checkKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0 || key.length > this.maxKeyLength) {
      throw new StateLimitError(
        `a key is a string of 1 to ${this.maxKeyLength} characters; got ${String(key).length}`,
      )
    }
  }

  private checkValue(value: unknown): void {
    assertJson(value, 'value')
    const size = encoder.encode(JSON.stringify(value)).byteLength
    if (size > this.maxValueBytes) {
      throw new StateLimitError(`a value is at most ${this.maxValueBytes} bytes as JSON; this one is ${size}`)
    }
  }
}
