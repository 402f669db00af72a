/**
 * Connection-level flow control (RFC 9000 §4.1): new stream bytes we send
 * against the peer's MAX_DATA (with DATA_BLOCKED once when it stops us),
 * and the highest offsets received over all streams against ours, which we
 * raise by a window as the application is handed data.
 */
import { QuicTransportError, TransportErrorCode } from '../errors.js'

export class ConnectionFlow {
  /** new stream bytes we sent */
  sent = 0
  /** the peer's MAX_DATA */
  limit = 0
  /** a MAX_DATA of ours waits to be sent */
  creditPending = false
  /** the limit a DATA_BLOCKED was sent for */
  private blockedAt = -1
  private received = 0
  private consumed = 0
  /** our MAX_DATA */
  advertised: number

  constructor(private readonly window: number) {
    this.advertised = window
  }

  /** bytes the peer's MAX_DATA still allows */
  get sendRoom(): number {
    return this.limit - this.sent
  }

  raiseLimit(maximum: number): void {
    if (maximum > this.limit) this.limit = maximum
  }

  /** Whether to send DATA_BLOCKED now (once per limit). */
  takeBlocked(): boolean {
    if (this.sent < this.limit || this.blockedAt === this.limit) return false
    this.blockedAt = this.limit
    return true
  }

  /** The highest offset of a stream grew by `bytes`: the peer may not pass our MAX_DATA. */
  onReceived(bytes: number): void {
    this.received += bytes
    if (this.received > this.advertised) {
      throw new QuicTransportError(
        TransportErrorCode.FLOW_CONTROL_ERROR,
        `${this.received} bytes received > MAX_DATA ${this.advertised}`,
      )
    }
  }

  /** Bytes went to the application (or were abandoned by a reset): maybe extend MAX_DATA. */
  onConsumed(bytes: number): void {
    this.consumed += bytes
    if (this.advertised - this.consumed >= this.window / 2) return
    this.advertised = this.consumed + this.window
    this.creditPending = true
  }
}
