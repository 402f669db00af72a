/**
 * The connection-wide bound on unread bytes. mplex cannot slow a sender down,
 * so each stream's buffer has a limit, and so has their sum: past it, the
 * stream holding the most is reset. Only streams that hold bytes are tracked,
 * and the sum is recomputed every `checkInterval` received bytes, not per frame.
 */
import { StreamBufferError } from '@weft/utils'

export interface BufferingStream {
  readonly readBufferLength: number
  readonly status: string
  abort(err: Error): void
}

export class UnreadBytes<S extends BufferingStream = BufferingStream> {
  private readonly buffering = new Set<S>()
  private bytesSinceCheck = 0

  constructor(
    readonly limit: number,
    private readonly checkInterval = 64 * 1024,
  ) {}

  /** `stream` just received `bytes`; resets the fullest stream if the sum is over the limit. */
  received(stream: S, bytes: number): void {
    if (stream.readBufferLength > 0) this.buffering.add(stream)
    if (this.buffering.size === 0) return
    this.bytesSinceCheck += bytes
    if (this.bytesSinceCheck >= this.checkInterval) this.check()
  }

  forget(stream: S): void {
    this.buffering.delete(stream)
  }

  private check(): void {
    this.bytesSinceCheck = 0
    let total = 0
    let largest: S | undefined
    let largestLength = 0
    for (const stream of this.buffering) {
      const length = stream.readBufferLength
      if (length === 0 || (stream.status !== 'open' && stream.status !== 'closing')) {
        this.buffering.delete(stream)
        continue
      }
      total += length
      if (length > largestLength) {
        largest = stream
        largestLength = length
      }
    }
    if (largest != null && total > this.limit) {
      this.buffering.delete(largest)
      largest.abort(
        new StreamBufferError(
          `streams hold ${total} unread bytes, over the connection limit of ${this.limit}`,
        ),
      )
    }
  }
}
