/**
 * The datagrams that reached one connection: those that arrive in one turn
 * of the event loop are handled together, then one flush answers them all
 * (fewer ACK-only packets); beyond the bound they are dropped.
 */
export class Inbox {
  private readonly datagrams: Uint8Array[] = []

  /** `onBatch` runs after this turn of the event loop once a batch starts; it `take`s the batch. */
  constructor(
    private readonly limit: number,
    private readonly onBatch: () => void,
  ) {}

  push(datagram: Uint8Array): void {
    if (this.datagrams.length >= this.limit) return
    this.datagrams.push(datagram)
    if (this.datagrams.length > 1) return
    setImmediate(this.onBatch)
  }

  /** The datagrams queued so far (those that come while they are handled make the next batch). */
  take(): Uint8Array[] {
    return this.datagrams.splice(0)
  }
}
