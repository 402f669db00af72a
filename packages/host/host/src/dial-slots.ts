/**
 * The dialer's slots: at most `max` dials run at once, the rest wait in
 * arrival order. The dialer bounds the waiting line itself (it knows the
 * error to throw); a slot is handed straight to the next waiter on release,
 * so a late arrival can never overtake the line.
 */
import { type Deferred, deferred, raceSignal } from '@weft/utils'

export class DialSlots {
  private readonly queue: Array<Deferred<void>> = []
  private running = 0

  constructor(private readonly max: number) {}

  /** Dials waiting for a slot. */
  get waiting(): number {
    return this.queue.length
  }

  /** Resolves once a slot is ours; rejects (holding nothing) if `signal` aborts first. */
  async take(signal: AbortSignal): Promise<void> {
    if (this.running < this.max && this.queue.length === 0) {
      this.running++
      return
    }
    const waiter = deferred<void>()
    this.queue.push(waiter)
    try {
      await raceSignal(waiter.promise, signal)
    } catch (err) {
      const index = this.queue.indexOf(waiter)
      if (index !== -1) this.queue.splice(index, 1)
      else this.release() // the slot was handed over just as we gave up
      throw err
    }
  }

  release(): void {
    const next = this.queue.shift()
    if (next != null) next.resolve()
    else this.running--
  }

  /** Fails every waiter (the host is stopping); running dials keep their slots until they end. */
  rejectWaiting(reason: Error): void {
    for (const waiter of this.queue.splice(0)) waiter.reject(reason)
  }
}
