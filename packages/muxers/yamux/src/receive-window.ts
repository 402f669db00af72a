/**
 * The receive side of yamux flow control for one stream (spec "Flow
 * Control"), as pure arithmetic so it is tested without sockets.
 *
 * - `credit` is what the remote may still send: the window it believes it
 *   has. A Data frame longer than the credit is a protocol violation.
 * - Bytes received but not yet taken by the reader (`buffered`) plus the
 *   credit never exceed `size`, so what a stream buffers is bounded by the
 *   window we grant.
 * - A Window Update is sent only once at least half of `size` can be granted,
 *   which keeps the number of updates small.
 * - Auto-tuning (as go-yamux does): if the reader took half a window in less
 *   than four round trips since the previous update, the window is the
 *   bottleneck, so `size` doubles, up to `maxSize`, if `reserve` grants the
 *   memory the larger window may fill; if not, it stays and the sender slows
 *   down instead of the receiver buffering more.
 */
export class ReceiveWindow {
  /** the window we aim to grant */
  size: number
  /** bytes the remote may still send */
  credit: number
  private epochStart: number

  /**
   * @param size - our initial window
   * @param credit - what the remote assumes at the start (256 KiB by the spec, or what we announced)
   */
  constructor(size: number, credit: number, now: number) {
    this.size = size
    this.credit = credit
    this.epochStart = now
  }

  /** A Data frame of `length` bytes arrived; false when it exceeds the credit (a protocol error). */
  receive(length: number): boolean {
    if (length > this.credit) return false
    this.credit -= length
    return true
  }

  /** Whether at least half the window can be granted again (cheap; call before `update`). */
  due(buffered: number): boolean {
    return this.size - this.credit - buffered >= this.size / 2
  }

  /**
   * The delta of the Window Update to send now, or 0 when none is due.
   *
   * @param buffered - bytes received and not yet consumed by the reader
   * @param rtt - round-trip time in ms, or a negative number when unknown
   * @param maxSize - the largest window allowed now
   * @param reserve - asked for the bytes a growth adds before the window grows; false keeps the size
   */
  update(
    buffered: number,
    now: number,
    rtt: number,
    maxSize: number,
    reserve: (bytes: number) => boolean = grantAll,
  ): number {
    let grant = this.size - this.credit - buffered
    if (grant < this.size / 2) return 0
    if (rtt >= 0 && now - this.epochStart < 4 * Math.max(rtt, MIN_RTT) && this.size < maxSize) {
      const grown = Math.min(this.size * 2, maxSize)
      if (reserve(grown - this.size)) {
        grant += grown - this.size
        this.size = grown
      }
    }
    this.credit += grant
    this.epochStart = now
    return grant
  }
}

/**
 * A floor for the measured round-trip time in ms: on loopback the ping comes
 * back in microseconds, yet the event loops at both ends add far more than
 * that to every window turn.
 */
const MIN_RTT = 1

const grantAll = (): boolean => true
