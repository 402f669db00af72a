/**
 * The callers of a stream's `onDrain()` waiting for the layer below to take
 * bytes again. A stream creates it on the first wait: most streams never
 * wait, and so hold no list.
 */
import { type Deferred, deferred, raceSignal } from '../signals.js'

export class DrainWaiters {
  private waiters: Array<Deferred<void>> = []

  /** Resolves at the next `resolveAll()`, rejects at `rejectAll()` or when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    const waiter = deferred<void>()
    this.waiters.push(waiter)
    return raceSignal(waiter.promise, signal)
  }

  resolveAll(): void {
    const waiters = this.waiters
    if (waiters.length === 0) return
    this.waiters = []
    for (const waiter of waiters) waiter.resolve()
  }

  /** `reason` is called only when someone waits: an error captures a stack, and most streams end with no waiter. */
  rejectAll(reason: () => Error): void {
    const waiters = this.waiters
    if (waiters.length === 0) return
    this.waiters = []
    const err = reason()
    for (const waiter of waiters) waiter.reject(err)
  }
}
