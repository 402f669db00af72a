/**
 * What becomes of the frames of lost packets (RFC 9000 §13.3): they go back
 * in front of new data at their level, except what is stale or re-sent from
 * current state (credit, see `StreamControl.onLost`); and the probes a PTO
 * sends (RFC 9002 §6.2.4).
 */
import type { Frame } from '../frame.js'
import type { LossDetection } from '../recovery/loss-detection.js'
import type { EncryptionLevel } from '../tls/handshake-endpoint.js'
import type { LocalConnectionIds } from './local-connection-ids.js'
import type { PacketSpace } from './packet-space.js'
import type { StreamManager } from './streams.js'

export class Retransmission {
  constructor(
    private readonly spaces: Readonly<Record<EncryptionLevel, PacketSpace>>,
    private readonly recovery: LossDetection,
    private readonly localConnectionIds: LocalConnectionIds,
    private readonly streams: StreamManager,
    /** HANDSHAKE_DONE is not queued: the connection sends it again from a flag */
    private readonly onHandshakeDoneLost: () => void,
  ) {}

  /** Lost frames go back in front of new data. */
  requeue(level: EncryptionLevel, frames: readonly Frame[]): void {
    const space = this.spaces[level]
    if (space.discarded) return
    for (const frame of frames) {
      if (frame.type === 'handshake-done') this.onHandshakeDoneLost()
      // an ID retired meanwhile is not offered again
      else if (frame.type === 'new-connection-id' && !this.localConnectionIds.isActive(frame.sequence))
        continue
      else if (frame.type === 'crypto') space.retransmit.push(frame)
      else {
        const again = this.streams.onLost(frame)
        if (again != null) space.retransmit.push(again)
      }
    }
  }

  /** A PTO fired: up to two probes carrying the oldest unacknowledged data, or a PING (RFC 9002 §6.2.4). */
  probe(level: EncryptionLevel): void {
    const space = this.spaces[level]
    space.probes = 2
    const oldest = this.recovery.oldestUnacked(level, 2)
    const frames = oldest.flatMap((packet) => packet.frames)
    // nothing to resend: the probes carry a PING (sender.ts)
    if (frames.length > 0) this.requeue(level, frames)
  }
}
