/**
 * The queue behind `for await` over a message stream: events push, the
 * iterator pulls. `push` reports when the queue holds more than its high-water
 * mark so the producer can pause the stream instead of buffering without end.
 */
export class IteratorQueue<T extends { byteLength: number }> {
  private readonly items: T[] = []
  private bytes = 0
  private done = false
  private error?: Error
  private waiter?: { resolve: (value: T | undefined) => void; reject: (err: Error) => void }

  constructor(private readonly highWaterMark: number) {}

  /** Returns true when the queue is above its high-water mark. */
  push(item: T): boolean {
    if (this.done) return false
    if (this.waiter != null) {
      const waiter = this.waiter
      this.waiter = undefined
      waiter.resolve(item)
      return false
    }
    this.items.push(item)
    this.bytes += item.byteLength
    return this.bytes > this.highWaterMark
  }

  end(err?: Error): void {
    if (this.done) return
    this.done = true
    this.error = err
    if (this.waiter != null) {
      const waiter = this.waiter
      this.waiter = undefined
      if (err != null) waiter.reject(err)
      else waiter.resolve(undefined)
    }
  }

  isBelowLowWater(): boolean {
    return this.bytes <= this.highWaterMark / 2
  }

  /** Next item; undefined when ended; throws the end error once items run out. */
  async next(): Promise<T | undefined> {
    const item = this.items.shift()
    if (item !== undefined) {
      this.bytes -= item.byteLength
      return item
    }
    if (this.done) {
      if (this.error != null) throw this.error
      return undefined
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }
}
