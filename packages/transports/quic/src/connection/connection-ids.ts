/**
 * The connection IDs the peer issued us (RFC 9000 §5.1): the one from the
 * handshake (sequence 0) and those of NEW_CONNECTION_ID frames (§19.15).
 * We never migrate, so we keep using one ID until the peer's Retire Prior To
 * takes it away; what matters here is that a peer cannot make us hold more
 * than `active_connection_id_limit` IDs (§5.1.1) nor owe it an unbounded
 * number of RETIRE_CONNECTION_ID frames (§5.1.2). Pure bookkeeping: the
 * caller sends the retirements and switches to the ID returned.
 */
import { ProtocolViolationError, QuicTransportError, TransportErrorCode } from '../errors.js'
import type { Frame } from '../frame.js'

/** The active_connection_id_limit we advertise: the handshake's ID and one spare. */
export const ACTIVE_CONNECTION_ID_LIMIT = 2
/** RETIRE_CONNECTION_ID frames we may owe (queued or unacknowledged) before we give up (§5.1.2). */
export const MAX_UNACKNOWLEDGED_RETIREMENTS = 16

type NewConnectionId = Extract<Frame, { type: 'new-connection-id' }>

export interface NewConnectionIdOutcome {
  /** sequence numbers to send RETIRE_CONNECTION_ID for */
  retire: number[]
  /** the ID to use from now on, when the one in use was retired */
  use?: Uint8Array
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

export class PeerConnectionIds {
  /** sequence number → ID, never more than `limit` entries */
  private readonly active = new Map<number, Uint8Array>()
  /** sequence number → stateless reset token (§10.3), for the IDs in `active` that came with one */
  private readonly tokens = new Map<number, Uint8Array>()
  private retirePriorTo = 0
  private inUse = 0
  /** RETIRE_CONNECTION_ID frames queued or in flight and not yet acknowledged */
  private unacknowledged = 0

  constructor(
    readonly limit = ACTIVE_CONNECTION_ID_LIMIT,
    readonly maxUnacknowledged = MAX_UNACKNOWLEDGED_RETIREMENTS,
  ) {}

  /** IDs held now (the handshake's counts once a NEW_CONNECTION_ID arrived) */
  get size(): number {
    return this.active.size
  }

  /** the sequence number of the ID we send with */
  get sequenceInUse(): number {
    return this.inUse
  }

  /** the stateless reset token of the ID we send with, if the peer gave one */
  get tokenInUse(): Uint8Array | undefined {
    return this.tokens.get(this.inUse)
  }

  /** The server's stateless_reset_token transport parameter: the token of its handshake ID (§18.2). */
  setHandshakeToken(token: Uint8Array): void {
    if (this.inUse === 0) this.tokens.set(0, token.slice())
  }

  get retirementsOwed(): number {
    return this.unacknowledged
  }

  /**
   * A NEW_CONNECTION_ID from the peer; `current` is the ID we send with now.
   * Throws CONNECTION_ID_LIMIT_ERROR past the limits, PROTOCOL_VIOLATION for
   * a sequence number reused with another ID or a peer with zero-length IDs.
   */
  onNewConnectionId(frame: NewConnectionId, current: Uint8Array): NewConnectionIdOutcome {
    if (current.length === 0) {
      throw new ProtocolViolationError('NEW_CONNECTION_ID from a peer that uses zero-length connection IDs')
    }
    if (this.active.size === 0 && this.retirePriorTo === 0) this.active.set(0, current)
    const known = this.active.get(frame.sequence)
    if (known != null && !sameBytes(known, frame.connectionId)) {
      throw new ProtocolViolationError(`connection ID sequence ${frame.sequence} reissued with another ID`)
    }
    // the limits are checked before anything is stored, so a refused frame leaves no state behind
    const retirePriorTo = Math.max(this.retirePriorTo, frame.retirePriorTo)
    const dropped = [...this.active.keys()].filter((sequence) => sequence < retirePriorTo)
    // §19.15: an ID already below Retire Prior To is retired at once, never held
    const stale = frame.sequence < this.retirePriorTo
    const adds = !stale && known == null
    const retire = stale ? [...dropped, frame.sequence] : dropped
    const size = this.active.size - dropped.length + (adds ? 1 : 0)
    if (size > this.limit) {
      throw new QuicTransportError(
        TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
        `${size} active connection IDs > active_connection_id_limit ${this.limit}`,
      )
    }
    if (this.unacknowledged + retire.length > this.maxUnacknowledged) {
      throw new QuicTransportError(
        TransportErrorCode.CONNECTION_ID_LIMIT_ERROR,
        `${this.unacknowledged + retire.length} connection IDs retired and unacknowledged > ${this.maxUnacknowledged}`,
      )
    }
    this.retirePriorTo = retirePriorTo
    for (const sequence of dropped) {
      this.active.delete(sequence)
      this.tokens.delete(sequence)
    }
    if (adds) {
      this.active.set(frame.sequence, frame.connectionId.slice())
      this.tokens.set(frame.sequence, frame.statelessResetToken.slice())
    }
    this.unacknowledged += retire.length
    if (this.active.has(this.inUse)) return { retire }
    // the ID in use was retired: the lowest one left (the frame's own ID at worst, §19.15 keeps it)
    this.inUse = Math.min(...this.active.keys())
    return { retire, use: this.active.get(this.inUse) }
  }

  /** The peer acknowledged one RETIRE_CONNECTION_ID. */
  onRetirementAcknowledged(): void {
    if (this.unacknowledged > 0) this.unacknowledged--
  }
}
