/**
 * NewReno congestion control (RFC 9002 §7, Appendix B) and a token-bucket
 * pacer (§7.7). Sizes are bytes, times milliseconds.
 */

export const MAX_DATAGRAM_SIZE = 1200
/** RFC 9002 §7.2: min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)). */
export const INITIAL_WINDOW = Math.min(10 * MAX_DATAGRAM_SIZE, Math.max(14_720, 2 * MAX_DATAGRAM_SIZE))
export const MINIMUM_WINDOW = 2 * MAX_DATAGRAM_SIZE
/** A ceiling, so bytes in flight (held for retransmission) stay bounded per connection. */
export const MAXIMUM_WINDOW = 16 * 1024 * 1024
const LOSS_REDUCTION_FACTOR = 0.5
/** RFC 9002 §7.6.1: kPersistentCongestionThreshold. */
export const PERSISTENT_CONGESTION_THRESHOLD = 3

export class NewReno {
  window = INITIAL_WINDOW
  bytesInFlight = 0
  slowStartThreshold = Number.POSITIVE_INFINITY
  /** packets sent before this time belong to the current recovery period */
  private recoveryStart = Number.NEGATIVE_INFINITY

  onSent(bytes: number): void {
    this.bytesInFlight += bytes
  }

  /** Whether `bytes` more may be put in flight. */
  canSend(bytes: number): boolean {
    return this.bytesInFlight + bytes <= this.window
  }

  /** An in-flight packet was acknowledged (§7.3.1, §7.3.2). */
  onAcked(bytes: number, sentTime: number): void {
    // §7.8: a window the sender does not fill (application-limited) must not grow
    const underused = this.bytesInFlight < this.window / 2
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes)
    if (sentTime <= this.recoveryStart || underused || this.window >= MAXIMUM_WINDOW) return
    if (this.window < this.slowStartThreshold) this.window += bytes
    else this.window += (MAX_DATAGRAM_SIZE * bytes) / this.window
  }

  /** An in-flight packet left the network without an ack (lost, or its space was discarded). */
  onRemoved(bytes: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - bytes)
  }

  /** Packets were declared lost; `largestSentTime` is when the newest of them was sent (§7.3.2). */
  onCongestion(largestSentTime: number, now: number, persistent: boolean): void {
    if (persistent) {
      this.window = MINIMUM_WINDOW
      this.recoveryStart = now
      return
    }
    if (largestSentTime <= this.recoveryStart) return
    this.recoveryStart = now
    this.slowStartThreshold = Math.max(this.window * LOSS_REDUCTION_FACTOR, MINIMUM_WINDOW)
    this.window = this.slowStartThreshold
  }
}

/**
 * Spreads a window's worth of packets over a smoothed RTT (§7.7) at 1.25×
 * the window rate. The burst allowed is ten datagrams or what the rate
 * sends in `TIMER_SLACK` ms, whichever is more: Node timers fire a
 * millisecond or more late, so a smaller bucket would cap the rate at
 * ten datagrams per timer tick.
 */
const TIMER_SLACK = 4

export class Pacer {
  private tokens = 10 * MAX_DATAGRAM_SIZE
  private last = 0

  constructor(private readonly burst = 10 * MAX_DATAGRAM_SIZE) {}

  /** ms to wait before `bytes` may leave (0: now). */
  delay(bytes: number, window: number, smoothedRtt: number, now: number): number {
    const rate = (1.25 * window) / Math.max(smoothedRtt, 1) // bytes per ms
    this.tokens = Math.min(Math.max(this.burst, rate * TIMER_SLACK), this.tokens + (now - this.last) * rate)
    this.last = now
    if (this.tokens >= bytes) return 0
    return Math.max(1, Math.ceil((bytes - this.tokens) / rate))
  }

  onSent(bytes: number): void {
    this.tokens -= bytes
  }
}
