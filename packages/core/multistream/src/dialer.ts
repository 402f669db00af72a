/**
 * The dialer's side of multistream-select as a pure state machine
 * (multiformats/multistream-select README, "Protocol"): it opens with the
 * header and its first proposal, expects the header back, then either the
 * echo of its proposal (agreed) or "na" (propose the next one).
 */
import { InvalidMessageError, UnsupportedProtocolError } from '@libp2p/interface'
import { messageBytes, NA, PROTOCOL_ID, quote } from './codec.js'

export class Dialer {
  private headerReceived = false
  private index = 0

  constructor(private readonly protocols: readonly string[]) {
    if (protocols.length === 0) throw new TypeError('expected at least one protocol to propose')
  }

  /** The messages of the first flight: the header and the first proposal. */
  firstFlight(): Uint8Array[] {
    return [messageBytes(PROTOCOL_ID), messageBytes(this.protocols[0]!)]
  }

  /** What the dialer waits for, for error messages. */
  get waitingFor(): string {
    return this.headerReceived
      ? `the answer to ${quote(this.protocols[this.index]!)}`
      : `the ${quote(PROTOCOL_ID)} header`
  }

  /**
   * Handles one message from the listener, pushing what to send next onto
   * `replies`; returns the agreed protocol once there is one.
   */
  receive(message: string, replies: Uint8Array[]): string | undefined {
    if (!this.headerReceived) {
      if (message !== PROTOCOL_ID) {
        throw new InvalidMessageError(`expected the ${quote(PROTOCOL_ID)} header, got ${quote(message)}`)
      }
      this.headerReceived = true
      return undefined
    }
    const proposal = this.protocols[this.index]!
    if (message === proposal) return proposal
    if (message !== NA) {
      throw new InvalidMessageError(`expected ${quote(proposal)} or "na", got ${quote(message)}`)
    }
    this.index++
    if (this.index === this.protocols.length) {
      throw new UnsupportedProtocolError(
        `the remote supports none of the proposed protocols: ${this.protocols.map(quote).join(', ')}`,
      )
    }
    replies.push(messageBytes(this.protocols[this.index]!))
    return undefined
  }
}
