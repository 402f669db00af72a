/**
 * The one timer of a connection: loss and PTO, the ACK delay, the idle
 * timeout, keep-alive and pacing all wait on it, set to the earliest of
 * their deadlines after each flush. Setting the same instant again keeps the
 * running timer, so a busy connection does not churn timers.
 */
export class DeadlineTimer {
  private handle: ReturnType<typeof setTimeout> | undefined
  private at = Number.POSITIVE_INFINITY

  constructor(private readonly onExpired: () => void) {}

  /** Fires at `at` (ms since the epoch; Infinity: never), replacing the deadline set before. */
  set(at: number): void {
    if (at === this.at && this.handle != null) return
    this.clear()
    this.at = at
    if (at === Number.POSITIVE_INFINITY) return
    this.handle = setTimeout(this.expire, Math.max(0, at - Date.now()))
    this.handle.unref?.()
  }

  clear(): void {
    if (this.handle != null) clearTimeout(this.handle)
    this.handle = undefined
  }

  private readonly expire = (): void => {
    this.handle = undefined
    this.at = Number.POSITIVE_INFINITY
    this.onExpired()
  }
}
