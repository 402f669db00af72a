/**
 * Received packet numbers of one packet number space, as the ACK ranges to
 * send (RFC 9000 §13.2). Ranges are merged as packets arrive; only the
 * newest `maxRanges` are kept (older ones were acknowledged before or are
 * abandoned, §13.2.3).
 */
import type { AckRange, Frame } from './frame.js'

export class AckTracker {
  /** descending, disjoint, gaps of at least one */
  private ranges: AckRange[] = []
  /** an ack-eliciting packet arrived since the last ACK we built */
  ackPending = false
  largest = -1

  constructor(readonly maxRanges = 32) {}

  /** Records `packetNumber`; false when it was already received (a duplicate). */
  onReceived(packetNumber: number, ackEliciting: boolean): boolean {
    if (this.contains(packetNumber)) return false
    if (ackEliciting) this.ackPending = true
    this.largest = Math.max(this.largest, packetNumber)
    let index = this.ranges.findIndex((range) => range.largest < packetNumber)
    if (index === -1) index = this.ranges.length
    const above = this.ranges[index - 1]
    const below = this.ranges[index]
    if (
      above != null &&
      above.smallest === packetNumber + 1 &&
      below != null &&
      below.largest === packetNumber - 1
    ) {
      above.smallest = below.smallest
      this.ranges.splice(index, 1)
    } else if (above != null && above.smallest === packetNumber + 1) {
      above.smallest = packetNumber
    } else if (below != null && below.largest === packetNumber - 1) {
      below.largest = packetNumber
    } else {
      this.ranges.splice(index, 0, { smallest: packetNumber, largest: packetNumber })
      if (this.ranges.length > this.maxRanges) this.ranges.pop()
    }
    return true
  }

  contains(packetNumber: number): boolean {
    return this.ranges.some((range) => range.smallest <= packetNumber && packetNumber <= range.largest)
  }

  /** The ACK frame for what we received, or undefined before the first packet. */
  ackFrame(ackDelay = 0): Extract<Frame, { type: 'ack' }> | undefined {
    if (this.ranges.length === 0) return undefined
    this.ackPending = false
    return { type: 'ack', ackDelay, ranges: this.ranges.map((range) => ({ ...range })) }
  }
}
