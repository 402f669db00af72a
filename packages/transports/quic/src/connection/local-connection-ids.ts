/**
 * The connection IDs we issue the peer (RFC 9000 §5.1): the handshake's
 * (sequence 0) and, once the handshake is confirmed, more with
 * NEW_CONNECTION_ID (§19.15) until the peer holds
 * min(its active_connection_id_limit, LOCAL_CONNECTION_ID_CAP). Each
 * RETIRE_CONNECTION_ID (§19.16) that retires an active ID is answered with a
 * replacement, so the count never grows. Pure bookkeeping: the caller routes
 * and unroutes the IDs and sends the frames.
 */
import { ProtocolViolationError } from '../errors.js'
import type { Frame } from '../frame.js'
import { newConnectionId, resetToken } from './stateless-reset.js'

/** IDs the peer may hold at once, whatever it allows: each one is a routing-table entry */
export const LOCAL_CONNECTION_ID_CAP = 4

type NewConnectionId = Extract<Frame, { type: 'new-connection-id' }>

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

export interface RetireOutcome {
  /** the ID no longer in use (undefined: it was retired before) */
  retired?: Uint8Array
  /** its replacement, to send and route */
  replacement?: NewConnectionId
}

export class LocalConnectionIds {
  /** sequence number → ID, at most `cap` entries */
  private readonly active = new Map<number, Uint8Array>()
  private nextSequence = 1
  /** how many IDs the peer may hold: 0 until we issue any (`issue`) */
  private target = 0
  private readonly idLength: number

  constructor(
    handshakeId: Uint8Array,
    private readonly resetKey: Uint8Array,
    private readonly isTaken: (id: Uint8Array) => boolean = () => false,
    readonly cap = LOCAL_CONNECTION_ID_CAP,
  ) {
    this.active.set(0, handshakeId)
    this.idLength = handshakeId.length
  }

  /** the IDs issued and not retired */
  get ids(): Uint8Array[] {
    return [...this.active.values()]
  }

  get size(): number {
    return this.active.size
  }

  /** whether we issue spare IDs (and so keep the peer's count with replacements) */
  get issuing(): boolean {
    return this.target > 0
  }

  isActive(sequence: number): boolean {
    return this.active.has(sequence)
  }

  /** The handshake is confirmed: NEW_CONNECTION_ID frames up to the peer's limit (§5.1.1). */
  issue(peerLimit: number): NewConnectionId[] {
    this.target = Math.max(1, Math.min(peerLimit, this.cap))
    const frames: NewConnectionId[] = []
    while (this.active.size < this.target) frames.push(this.next())
    return frames
  }

  /**
   * RETIRE_CONNECTION_ID for `sequence`, carried by a packet sent to
   * `packetId`. §19.16: a sequence number never issued, or the ID the packet
   * was sent to, is a PROTOCOL_VIOLATION; retiring twice is harmless.
   */
  retire(sequence: number, packetId: Uint8Array | undefined): RetireOutcome {
    if (sequence >= this.nextSequence) {
      throw new ProtocolViolationError(`RETIRE_CONNECTION_ID of sequence ${sequence}, never issued`)
    }
    const id = this.active.get(sequence)
    if (id == null) return {}
    if (packetId != null && sameBytes(id, packetId)) {
      throw new ProtocolViolationError(`RETIRE_CONNECTION_ID of sequence ${sequence} in a packet sent to it`)
    }
    this.active.delete(sequence)
    return { retired: id, replacement: this.active.size < this.target ? this.next() : undefined }
  }

  private next(): NewConnectionId {
    const id = newConnectionId(this.resetKey, this.idLength, this.isTaken)
    const sequence = this.nextSequence++
    this.active.set(sequence, id)
    return {
      type: 'new-connection-id',
      sequence,
      retirePriorTo: 0,
      connectionId: id,
      statelessResetToken: resetToken(this.resetKey, id),
    }
  }
}
