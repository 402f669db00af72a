/**
 * Epoch tracking for NAT-PMP (RFC 6886 §3.6) and PCP (RFC 6887 §8.5): every
 * answer carries the gateway's seconds since its state began; one that falls
 * behind what our clock predicts means the gateway restarted and lost every
 * mapping, so they must be made again.
 */
import { epochRegressed } from './nat-pmp-codec.js'

export class EpochTracker {
  private last?: { epoch: number; at: number }

  constructor(private readonly now: () => number = Date.now) {}

  /** Records an answer's epoch; true when it shows the gateway lost its state. */
  observe(epoch: number): boolean {
    const at = this.now()
    const previous = this.last
    this.last = { epoch, at }
    return previous != null && epochRegressed(previous.epoch, epoch, at - previous.at)
  }
}
