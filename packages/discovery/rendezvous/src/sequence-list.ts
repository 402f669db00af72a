/**
 * Items kept in increasing `sequence` order (each new item has a higher
 * sequence than every one before it), so that "everything after sequence n"
 * is a binary search away instead of a scan of the whole table. Removal marks
 * the item dead; the array is compacted once the dead outnumber the live.
 */
export class SequenceList<T extends { sequence: number }> {
  private items: T[] = []
  private readonly live = new Set<T>()

  get size(): number {
    return this.live.size
  }

  /** Appends `item`; its sequence must be higher than every earlier one. */
  push(item: T): void {
    const last = this.items.at(-1)
    if (last != null && last.sequence >= item.sequence) {
      throw new RangeError(`sequence ${item.sequence} does not follow ${last.sequence}`)
    }
    this.items.push(item)
    this.live.add(item)
  }

  delete(item: T): void {
    if (!this.live.delete(item)) return
    const dead = this.items.length - this.live.size
    if (dead > 64 && dead > this.live.size) this.items = this.items.filter((each) => this.live.has(each))
  }

  /** Live items with a sequence above `sequence`, oldest first; safe to delete from while iterating. */
  *after(sequence: number): Generator<T> {
    const items = this.items
    let low = 0
    let high = items.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (items[middle]!.sequence <= sequence) low = middle + 1
      else high = middle
    }
    for (let index = low; index < items.length; index++) {
      const item = items[index]!
      if (this.live.has(item)) yield item
    }
  }

  clear(): void {
    this.items = []
    this.live.clear()
  }
}
