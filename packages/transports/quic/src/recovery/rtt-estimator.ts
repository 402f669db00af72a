/**
 * Round-trip time estimation (RFC 9002 §5): the latest, minimum and
 * smoothed RTT and its variation, in milliseconds. The peer's ack delay is
 * subtracted only when it does not push the sample below min_rtt, and is
 * capped at max_ack_delay once the handshake is confirmed (§5.3).
 */

/** RFC 9002 §6.2.2: the RTT assumed before the first sample. */
export const INITIAL_RTT = 333
/** RFC 9002 §6.1.2: kGranularity. */
export const GRANULARITY = 1

export class RttEstimator {
  latest = 0
  min = 0
  smoothed = INITIAL_RTT
  variation = INITIAL_RTT / 2
  hasSample = false

  /** A sample from a newly acknowledged, ack-eliciting largest packet. */
  update(sample: number, ackDelay: number, maxAckDelay: number, handshakeConfirmed: boolean): void {
    this.latest = Math.max(sample, 0)
    if (!this.hasSample) {
      this.hasSample = true
      this.min = this.latest
      this.smoothed = this.latest
      this.variation = this.latest / 2
      return
    }
    this.min = Math.min(this.min, this.latest)
    const delay = handshakeConfirmed ? Math.min(ackDelay, maxAckDelay) : ackDelay
    const adjusted = this.latest >= this.min + delay ? this.latest - delay : this.latest
    this.variation = 0.75 * this.variation + 0.25 * Math.abs(this.smoothed - adjusted)
    this.smoothed = 0.875 * this.smoothed + 0.125 * adjusted
  }

  /** RFC 9002 §6.2.1: the probe timeout before backoff, without max_ack_delay. */
  get ptoBase(): number {
    return this.smoothed + Math.max(4 * this.variation, GRANULARITY)
  }

  /** RFC 9002 §6.1.2: how late a packet may be before it counts as lost. */
  get lossDelay(): number {
    return Math.max((9 / 8) * Math.max(this.smoothed, this.latest), GRANULARITY)
  }
}
