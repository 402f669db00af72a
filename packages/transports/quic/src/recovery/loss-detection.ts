/**
 * Loss detection (RFC 9002 §6, Appendix A): sent packets per packet number
 * space, ACK processing with RTT samples, packet-threshold (3) and
 * time-threshold (9/8 RTT) loss, and the probe timeout with exponential
 * backoff. It owns the congestion controller so acknowledged and lost bytes
 * reach it. Sans I/O: the caller passes `now` (ms) and acts on what comes
 * back (retransmit the lost frames, send probes when a PTO fires).
 */
import type { AckRange, Frame } from '../frame.js'
import type { EncryptionLevel } from '../tls/handshake-endpoint.js'
import { NewReno } from './congestion.js'
import { GRANULARITY, RttEstimator } from './rtt-estimator.js'

/** RFC 9002 §6.1.1: kPacketThreshold. */
export const PACKET_THRESHOLD = 3
const LEVELS: readonly EncryptionLevel[] = ['initial', 'handshake', 'one-rtt']

export interface SentPacket {
  packetNumber: number
  time: number
  /** bytes on the wire; counted in flight unless the packet is ACK-only */
  size: number
  ackEliciting: boolean
  inFlight: boolean
  /** what must be sent again when the packet is lost */
  frames: Frame[]
  /** the key phase the packet was written under (1-RTT) */
  keyPhase?: 0 | 1
}

interface SpaceState {
  sent: Map<number, SentPacket>
  largestAcked: number
  lossTime: number | undefined
  lastAckElicitingTime: number
  ackElicitingInFlight: number
}

export interface AckResult {
  acked: SentPacket[]
  lost: SentPacket[]
}

export type RecoveryTimeout = { kind: 'loss' | 'pto'; level: EncryptionLevel; lost: SentPacket[] }

export class LossDetection {
  readonly rtt = new RttEstimator()
  readonly congestion = new NewReno()
  ptoCount = 0
  /** the peer's max_ack_delay (ms) */
  maxAckDelay = 25
  handshakeComplete = false
  handshakeConfirmed = false
  /** a client before the handshake is confirmed keeps a PTO armed even with nothing in flight (§6.2.2.1) */
  isClient = false
  private lastSendTime = 0
  private readonly spaces: Record<EncryptionLevel, SpaceState | undefined> = {
    initial: space(),
    handshake: space(),
    'one-rtt': space(),
  }

  onPacketSent(level: EncryptionLevel, packet: SentPacket): void {
    const state = this.spaces[level]
    if (state == null) return
    this.lastSendTime = packet.time
    if (!packet.ackEliciting && !packet.inFlight) return
    state.sent.set(packet.packetNumber, packet)
    if (packet.inFlight) this.congestion.onSent(packet.size)
    if (packet.ackEliciting) {
      state.lastAckElicitingTime = packet.time
      state.ackElicitingInFlight++
    }
  }

  /** An ACK frame arrived at `level`; `ackDelay` already in ms. */
  onAck(level: EncryptionLevel, ranges: AckRange[], ackDelay: number, now: number): AckResult {
    const state = this.spaces[level]
    if (state == null || ranges.length === 0) return { acked: [], lost: [] }
    const largest = (ranges[0] as AckRange).largest
    state.largestAcked = Math.max(state.largestAcked, largest)
    const acked: SentPacket[] = []
    for (const range of ranges) {
      // walk the smaller of the range and the sent map
      if (range.largest - range.smallest < state.sent.size) {
        for (let pn = range.smallest; pn <= range.largest; pn++) {
          const packet = state.sent.get(pn)
          if (packet != null) acked.push(packet)
        }
      } else {
        for (const packet of state.sent.values()) {
          if (packet.packetNumber >= range.smallest && packet.packetNumber <= range.largest)
            acked.push(packet)
        }
      }
    }
    if (acked.length === 0) return { acked, lost: [] }
    const newest = acked.reduce((a, b) => (a.packetNumber > b.packetNumber ? a : b))
    if (newest.packetNumber === largest && acked.some((packet) => packet.ackEliciting)) {
      this.rtt.update(now - newest.time, ackDelay, this.maxAckDelay, this.handshakeConfirmed)
    }
    for (const packet of acked) {
      this.forget(state, packet)
      if (packet.inFlight) this.congestion.onAcked(packet.size, packet.time)
    }
    const lost = this.detectLost(level, now)
    // §6.2.1: the backoff resets on an ACK, except a client's before it knows the server validated it
    if (!(this.isClient && !this.handshakeComplete && level === 'initial')) this.ptoCount = 0
    return { acked, lost }
  }

  /** Drops a space's packets when its keys are discarded (§6.4). */
  discard(level: EncryptionLevel): void {
    const state = this.spaces[level]
    if (state == null) return
    for (const packet of state.sent.values()) {
      if (packet.inFlight) this.congestion.onRemoved(packet.size)
    }
    this.spaces[level] = undefined
    this.ptoCount = 0
  }

  /** The earliest time `onTimeout` has work, or undefined. */
  deadline(): number | undefined {
    const loss = this.earliestLossTime()
    if (loss != null) return loss.time
    return this.ptoDeadline()?.time
  }

  /** The loss timer or PTO fired: lost packets (declared lost) or a PTO's space (send probes there). */
  onTimeout(now: number): RecoveryTimeout | undefined {
    const loss = this.earliestLossTime()
    if (loss != null && loss.time <= now) {
      return { kind: 'loss', level: loss.level, lost: this.detectLost(loss.level, now) }
    }
    const pto = this.ptoDeadline()
    if (pto == null || pto.time > now) return undefined
    this.ptoCount++
    return { kind: 'pto', level: pto.level, lost: [] }
  }

  /** The oldest unacknowledged ack-eliciting packets of `level`: what a probe resends. */
  oldestUnacked(level: EncryptionLevel, count: number): SentPacket[] {
    const state = this.spaces[level]
    if (state == null) return []
    const out: SentPacket[] = []
    for (const packet of state.sent.values()) {
      if (!packet.ackEliciting) continue
      out.push(packet)
      if (out.length >= count) break
    }
    return out
  }

  /** The PTO period (with backoff), for timers such as draining (3 × PTO). */
  get ptoPeriod(): number {
    return (this.rtt.ptoBase + this.maxAckDelay) * 2 ** this.ptoCount
  }

  private detectLost(level: EncryptionLevel, now: number): SentPacket[] {
    const state = this.spaces[level]
    if (state == null) return []
    state.lossTime = undefined
    const lossDelay = this.rtt.lossDelay
    const lost: SentPacket[] = []
    for (const packet of state.sent.values()) {
      if (packet.packetNumber > state.largestAcked) continue
      if (state.largestAcked >= packet.packetNumber + PACKET_THRESHOLD || packet.time <= now - lossDelay) {
        lost.push(packet)
      } else {
        const at = packet.time + lossDelay
        state.lossTime = state.lossTime == null ? at : Math.min(state.lossTime, at)
      }
    }
    if (lost.length === 0) return lost
    let newest = 0
    for (const packet of lost) {
      this.forget(state, packet)
      if (packet.inFlight) this.congestion.onRemoved(packet.size)
      newest = Math.max(newest, packet.time)
    }
    if (lost.some((packet) => packet.inFlight)) this.congestion.onCongestion(newest, now, false)
    return lost
  }

  private forget(state: SpaceState, packet: SentPacket): void {
    state.sent.delete(packet.packetNumber)
    if (packet.ackEliciting) state.ackElicitingInFlight--
  }

  private earliestLossTime(): { time: number; level: EncryptionLevel } | undefined {
    let best: { time: number; level: EncryptionLevel } | undefined
    for (const level of LEVELS) {
      const time = this.spaces[level]?.lossTime
      if (time != null && (best == null || time < best.time)) best = { time, level }
    }
    return best
  }

  private ptoDeadline(): { time: number; level: EncryptionLevel } | undefined {
    const backoff = 2 ** this.ptoCount
    const inFlight = LEVELS.some((level) => (this.spaces[level]?.ackElicitingInFlight ?? 0) > 0)
    if (!inFlight) {
      if (!this.isClient || this.handshakeConfirmed) return undefined
      // anti-deadlock: the server may be blocked by its amplification limit
      const level = this.spaces.handshake != null && this.handshakeKeysReady ? 'handshake' : 'initial'
      if (this.spaces[level] == null) return undefined
      return { time: this.lastSendTime + this.rtt.ptoBase * backoff, level }
    }
    let best: { time: number; level: EncryptionLevel } | undefined
    for (const level of LEVELS) {
      const state = this.spaces[level]
      if (state == null || state.ackElicitingInFlight === 0) continue
      if (level === 'one-rtt' && !this.handshakeComplete) continue
      const period = (this.rtt.ptoBase + (level === 'one-rtt' ? this.maxAckDelay : 0)) * backoff
      const time = state.lastAckElicitingTime + Math.max(period, GRANULARITY)
      if (best == null || time < best.time) best = { time, level }
    }
    return best
  }

  /** set by the connection once it can write Handshake packets */
  handshakeKeysReady = false
}

function space(): SpaceState {
  return {
    sent: new Map(),
    largestAcked: -1,
    lossTime: undefined,
    lastAckElicitingTime: 0,
    ackElicitingInFlight: 0,
  }
}
