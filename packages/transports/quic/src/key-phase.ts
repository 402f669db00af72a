/**
 * 1-RTT key phases (RFC 9001 §6). Header protection keys never change, so
 * the packet number is known before choosing the keys: a packet whose Key
 * Phase bit differs from the current one is either late (older than the
 * first packet of the current phase: the previous keys) or the peer's key
 * update (the next keys, prepared in advance so a key update costs no
 * timing signal, §9.5). An update becomes real only once a packet under the
 * new keys authenticates (§6.2); then we update our own write keys too if
 * the peer started it.
 */
import { nextPacketKeys, type PacketKeys } from './packet-keys.js'

export interface ReadKeyChoice {
  keys: PacketKeys
  /** opening with these keys and succeeding means the peer updated keys: call `confirmRead` */
  isUpdate: boolean
}

export class KeyPhase {
  /** the Key Phase bit we send */
  writePhase: 0 | 1 = 0
  write: PacketKeys
  /** the Key Phase bit of the peer's current keys */
  readPhase: 0 | 1 = 0
  read: PacketKeys
  private nextRead: PacketKeys
  private previousRead: PacketKeys | undefined
  /** the smallest packet number received in the current read phase */
  private firstReadInPhase = 0
  /** key updates so far, both directions counted once each */
  updates = 0
  /**
   * Set when our write keys change; the connection clears it once the peer
   * acknowledges a packet of the current phase (§6.1: only then may we update again).
   */
  awaitingAck = false

  constructor(write: PacketKeys, read: PacketKeys) {
    this.write = write
    this.read = read
    this.nextRead = nextPacketKeys(read)
  }

  /** Which keys open a packet with Key Phase `bit` and (header-unprotected) `packetNumber`. */
  readKeys(bit: 0 | 1, packetNumber: number): ReadKeyChoice {
    if (bit === this.readPhase) return { keys: this.read, isUpdate: false }
    if (this.previousRead != null && packetNumber < this.firstReadInPhase) {
      return { keys: this.previousRead, isUpdate: false }
    }
    return { keys: this.nextRead, isUpdate: true }
  }

  /**
   * A packet opened with the next keys: the peer's phase moved. When the
   * peer started the update, our write keys follow (§6.2).
   */
  confirmRead(packetNumber: number): void {
    this.previousRead = this.read
    this.read = this.nextRead
    this.nextRead = nextPacketKeys(this.read)
    this.readPhase = this.readPhase === 0 ? 1 : 0
    this.firstReadInPhase = packetNumber
    if (this.writePhase !== this.readPhase) {
      this.write = nextPacketKeys(this.write)
      this.writePhase = this.readPhase
      this.updates++
      this.awaitingAck = true
    }
  }

  /** Whether a local update may start: the peer follows the last one and acknowledged it (§6.1). */
  get canInitiate(): boolean {
    return this.writePhase === this.readPhase && !this.awaitingAck
  }

  /** Starts a key update: from the next packet we write under new keys with the other phase bit. */
  initiate(): void {
    if (!this.canInitiate) throw new Error('a key update is already in progress')
    this.write = nextPacketKeys(this.write)
    this.writePhase = this.writePhase === 0 ? 1 : 0
    this.updates++
    this.awaitingAck = true
  }

  /** The previous read keys are no longer needed (three PTOs after an update, §6.5). */
  discardPrevious(): void {
    this.previousRead = undefined
  }
}
