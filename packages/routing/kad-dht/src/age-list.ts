/**
 * Entries in the order they were added or renewed, oldest first: append,
 * remove and oldest are O(1). A `Map` iterated from its start is not: V8
 * keeps deleted entries as holes until it rehashes, so finding the first
 * live entry after many evictions walks them all.
 */
export interface AgeLinks<T> {
  older?: T
  newer?: T
  /** whether the entry is in a list */
  listed?: boolean
}

export class AgeList<T extends AgeLinks<T>> {
  private head?: T
  private tail?: T
  private count = 0

  get size(): number {
    return this.count
  }

  /** The oldest entry. */
  oldest(): T | undefined {
    return this.head
  }

  /** Appends `entry` as the newest; it must not be in a list. */
  push(entry: T): void {
    entry.older = this.tail
    entry.newer = undefined
    entry.listed = true
    if (this.tail != null) this.tail.newer = entry
    else this.head = entry
    this.tail = entry
    this.count++
  }

  remove(entry: T): void {
    if (entry.listed !== true) return
    if (entry.older != null) entry.older.newer = entry.newer
    else this.head = entry.newer
    if (entry.newer != null) entry.newer.older = entry.older
    else this.tail = entry.older
    entry.older = undefined
    entry.newer = undefined
    entry.listed = false
    this.count--
  }
}
