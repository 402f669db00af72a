/**
 * The listener's side of multistream-select as a pure state machine
 * (multiformats/multistream-select README, "Protocol" and "Listing"): it
 * expects the header and answers it, then answers each proposal with its echo
 * (agreed, done) or "na", and "ls" with the list of its protocols. It gives up
 * after `maxProposals` messages so a peer cannot keep it busy forever.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { encodeList, LS, messageBytes, NA, PROTOCOL_ID, quote } from './codec.js'
import { TooManyProposalsError } from './errors.js'

export const DEFAULT_MAX_PROPOSALS = 32

export class Listener {
  private headerReceived = false
  private proposals = 0
  private list?: Uint8Array

  constructor(
    private readonly protocols: readonly string[],
    private readonly maxProposals = DEFAULT_MAX_PROPOSALS,
  ) {
    if (!Number.isInteger(maxProposals) || maxProposals < 1) {
      throw new RangeError(`maxProposals must be a positive integer, got ${maxProposals}`)
    }
  }

  get waitingFor(): string {
    return this.headerReceived ? 'a protocol proposal' : `the ${quote(PROTOCOL_ID)} header`
  }

  /**
   * Handles one message from the dialer, pushing the answer onto `replies`;
   * returns the agreed protocol once there is one.
   */
  receive(message: string, replies: Uint8Array[]): string | undefined {
    if (!this.headerReceived) {
      if (message !== PROTOCOL_ID) {
        throw new InvalidMessageError(`expected the ${quote(PROTOCOL_ID)} header, got ${quote(message)}`)
      }
      this.headerReceived = true
      replies.push(messageBytes(PROTOCOL_ID))
      return undefined
    }
    if (++this.proposals > this.maxProposals) throw new TooManyProposalsError(this.maxProposals)
    if (this.protocols.includes(message)) {
      replies.push(messageBytes(message))
      return message
    }
    if (message === LS) {
      this.list ??= encodeList(this.protocols)
      replies.push(this.list)
    } else if (message === PROTOCOL_ID) {
      // a repeated header is answered again, as js-libp2p does
      replies.push(messageBytes(PROTOCOL_ID))
    } else {
      replies.push(messageBytes(NA))
    }
    return undefined
  }
}
