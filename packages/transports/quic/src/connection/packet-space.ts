/**
 * One packet number space (RFC 9000 §12.3) of a connection: its keys, the
 * packet numbers we sent and received, CRYPTO data both ways, frames to send
 * again, and packet sealing with the header each space uses.
 */
import { AckTracker } from '../ack-tracker.js'
import type { Frame } from '../frame.js'
import type { KeyPhase } from '../key-phase.js'
import { encodeLongHeader, encodeShortHeader } from '../packet-header.js'
import type { PacketKeys } from '../packet-keys.js'
import { protectPacket } from '../packet-protection.js'
import { ReassemblyBuffer } from '../reassembly-buffer.js'
import type { EncryptionLevel } from '../tls/handshake-endpoint.js'
import { varintLength } from '../varint.js'

export const PN_LENGTH = 4
export const AEAD_TAG = 16
/** CRYPTO bytes held out of order per level (RFC 9000 §7.5 allows a bound of our choosing). */
export const CRYPTO_BUFFER_LIMIT = 64 * 1024

export class PacketSpace {
  read: PacketKeys | undefined
  write: PacketKeys | undefined
  nextPacketNumber = 0
  readonly acks = new AckTracker()
  readonly crypto = new ReassemblyBuffer(CRYPTO_BUFFER_LIMIT)
  /** handshake bytes not yet put in CRYPTO frames */
  readonly cryptoQueue: Uint8Array[] = []
  cryptoOffset = 0
  /** lost frames, sent before anything new */
  readonly retransmit: Frame[] = []
  /** ack-eliciting packets received since our last ACK */
  unackedElicting = 0
  /** when the largest packet was received (ms), for ACK Delay */
  largestReceivedTime = 0
  /** probes owed after a PTO */
  probes = 0
  discarded = false

  constructor(readonly level: EncryptionLevel) {}

  /** Keys and state go once the level is done (RFC 9001 §4.9). */
  discard(): void {
    this.read = undefined
    this.write = undefined
    this.discarded = true
    this.cryptoQueue.length = 0
    this.retransmit.length = 0
    this.probes = 0
  }

  /** The next CRYPTO frame with at most `room` bytes of frame. */
  nextCrypto(room: number): Frame | undefined {
    const head = this.cryptoQueue[0]
    if (head == null) return undefined
    const overhead = 1 + varintLength(this.cryptoOffset) + 2
    const size = Math.min(head.length, room - overhead)
    if (size <= 0) return undefined
    const data = head.subarray(0, size)
    if (size === head.length) this.cryptoQueue.shift()
    else this.cryptoQueue[0] = head.subarray(size)
    const frame: Frame = { type: 'crypto', offset: this.cryptoOffset, data }
    this.cryptoOffset += size
    return frame
  }

  /** Bytes a packet of this space adds around its frames. */
  overhead(dcid: Uint8Array, scid: Uint8Array): number {
    if (this.level === 'one-rtt') return 1 + dcid.length + PN_LENGTH + AEAD_TAG
    // first byte, version, two CID lengths, token length (Initial), 2-byte Length
    return 7 + dcid.length + scid.length + (this.level === 'initial' ? 1 : 0) + 2 + PN_LENGTH + AEAD_TAG
  }

  /** Protects `plaintext` as this space's next packet. */
  seal(
    plaintext: Uint8Array,
    dcid: Uint8Array,
    scid: Uint8Array,
    keyPhase: KeyPhase | undefined,
  ): { packet: Uint8Array; packetNumber: number } {
    const packetNumber = this.nextPacketNumber++
    if (this.level === 'one-rtt') {
      const phase = keyPhase as KeyPhase
      const header = encodeShortHeader({
        dcid,
        packetNumber,
        pnLength: PN_LENGTH,
        keyPhase: phase.writePhase,
      })
      return { packet: protectPacket(phase.write, header, PN_LENGTH, packetNumber, plaintext), packetNumber }
    }
    const header = encodeLongHeader({
      type: this.level,
      dcid,
      scid,
      packetNumber,
      pnLength: PN_LENGTH,
      payloadLength: plaintext.length + AEAD_TAG,
    })
    return {
      packet: protectPacket(this.write as PacketKeys, header, PN_LENGTH, packetNumber, plaintext),
      packetNumber,
    }
  }
}
