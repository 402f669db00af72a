/**
 * Counts stream resets in a fixed time window, so a remote that opens and
 * resets streams without end (or keeps opening streams beyond our limits) is
 * disconnected instead of costing us work forever. No timer: the window rolls
 * over when the next reset is recorded.
 */
export class ResetBudget {
  private windowStart = 0
  private count = 0

  constructor(
    /** resets allowed per window */
    readonly max: number,
    /** window length in milliseconds */
    readonly window: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one reset; returns false when the budget for this window is spent. */
  record(): boolean {
    const now = this.now()
    if (now - this.windowStart >= this.window) {
      this.windowStart = now
      this.count = 0
    }
    this.count++
    return this.count <= this.max
  }
}
