import { describe, expect, it } from 'vitest'
import {
  INITIAL_WINDOW,
  MAX_DATAGRAM_SIZE,
  MINIMUM_WINDOW,
  NewReno,
  Pacer,
} from '../src/recovery/congestion.js'
import { LossDetection, type SentPacket } from '../src/recovery/loss-detection.js'
import { INITIAL_RTT, RttEstimator } from '../src/recovery/rtt-estimator.js'

const packet = (packetNumber: number, time: number): SentPacket => ({
  packetNumber,
  time,
  size: MAX_DATAGRAM_SIZE,
  ackEliciting: true,
  inFlight: true,
  frames: [{ type: 'ping' }],
})

describe('RttEstimator (RFC 9002 §5)', () => {
  it('starts at 333 ms, takes the first sample whole, then smooths by 1/8', () => {
    const rtt = new RttEstimator()
    expect(rtt.smoothed).toBe(INITIAL_RTT)
    rtt.update(100, 0, 25, true)
    expect([rtt.smoothed, rtt.variation, rtt.min]).toEqual([100, 50, 100])
    rtt.update(200, 0, 25, true)
    expect(rtt.smoothed).toBeCloseTo(112.5)
    expect(rtt.variation).toBeCloseTo(62.5)
  })

  it('subtracts ack delay only down to min_rtt, capped at max_ack_delay once confirmed', () => {
    const rtt = new RttEstimator()
    rtt.update(100, 0, 25, true)
    rtt.update(140, 100, 25, true) // delay capped to 25: adjusted 115
    expect(rtt.smoothed).toBeCloseTo(0.875 * 100 + 0.125 * 115)
  })
})

describe('NewReno (RFC 9002 §7)', () => {
  it('grows by acked bytes in slow start, halves once per recovery period, floors at 2 datagrams', () => {
    const cc = new NewReno()
    cc.onSent(INITIAL_WINDOW)
    cc.onAcked(MAX_DATAGRAM_SIZE, 1)
    expect(cc.window).toBe(INITIAL_WINDOW + MAX_DATAGRAM_SIZE)
    cc.onCongestion(5, 10, false)
    const halved = (INITIAL_WINDOW + MAX_DATAGRAM_SIZE) / 2
    expect(cc.window).toBe(halved)
    cc.onCongestion(8, 11, false) // sent before recovery started: same event
    expect(cc.window).toBe(halved)
    cc.onAcked(MAX_DATAGRAM_SIZE, 9) // sent in recovery: no growth
    expect(cc.window).toBe(halved)
    cc.onAcked(MAX_DATAGRAM_SIZE, 12) // congestion avoidance: one datagram per window
    expect(cc.window).toBeCloseTo(halved + (MAX_DATAGRAM_SIZE * MAX_DATAGRAM_SIZE) / halved)
    for (let t = 20; t < 40; t++) cc.onCongestion(t, t + 0.5, false)
    expect(cc.window).toBe(MINIMUM_WINDOW)
  })

  it('does not grow a window the sender leaves mostly empty (application-limited, §7.8)', () => {
    const cc = new NewReno()
    for (let i = 0; i < 100; i++) {
      cc.onSent(MAX_DATAGRAM_SIZE)
      cc.onAcked(MAX_DATAGRAM_SIZE, i)
    }
    expect(cc.window).toBe(INITIAL_WINDOW)
  })

  it('the pacer lets a burst out, then asks to wait', () => {
    const pacer = new Pacer()
    let now = 1000
    let sent = 0
    while (pacer.delay(MAX_DATAGRAM_SIZE, INITIAL_WINDOW, 100, now) === 0 && sent < 100) {
      pacer.onSent(MAX_DATAGRAM_SIZE)
      sent++
    }
    expect(sent).toBeGreaterThanOrEqual(10)
    expect(sent).toBeLessThan(100)
    now += pacer.delay(MAX_DATAGRAM_SIZE, INITIAL_WINDOW, 100, now)
    expect(pacer.delay(MAX_DATAGRAM_SIZE, INITIAL_WINDOW, 100, now)).toBe(0)
  })
})

describe('LossDetection (RFC 9002 §6)', () => {
  it('declares a packet lost 3 packets behind the largest acknowledged', () => {
    const loss = new LossDetection()
    loss.handshakeComplete = true
    for (let pn = 0; pn < 5; pn++) loss.onPacketSent('one-rtt', packet(pn, 0))
    const { acked, lost } = loss.onAck('one-rtt', [{ smallest: 1, largest: 4 }], 0, 10)
    expect(acked.map((p) => p.packetNumber).sort()).toEqual([1, 2, 3, 4])
    expect(lost.map((p) => p.packetNumber)).toEqual([0])
    expect(loss.congestion.bytesInFlight).toBe(0)
  })

  it('declares a packet lost by time once 9/8 RTT passed, arming the loss timer before', () => {
    const loss = new LossDetection()
    loss.handshakeComplete = true
    loss.onPacketSent('one-rtt', packet(0, 40))
    loss.onPacketSent('one-rtt', packet(1, 50))
    const first = loss.onAck('one-rtt', [{ smallest: 1, largest: 1 }], 0, 150) // rtt 100
    expect(first.lost).toHaveLength(0)
    const deadline = loss.deadline() as number
    expect(deadline).toBeCloseTo(40 + 112.5)
    expect(loss.onTimeout(deadline)?.lost.map((p) => p.packetNumber)).toEqual([0])
  })

  it('fires a PTO with exponential backoff when nothing is acknowledged', () => {
    const loss = new LossDetection()
    loss.handshakeComplete = true
    loss.onPacketSent('one-rtt', packet(0, 0))
    const first = loss.deadline() as number
    expect(first).toBeCloseTo(INITIAL_RTT + 4 * (INITIAL_RTT / 2) + 25)
    expect(loss.onTimeout(first)).toEqual({ kind: 'pto', level: 'one-rtt', lost: [] })
    expect(loss.deadline() as number).toBeCloseTo(2 * first)
  })

  it('discarding a space removes its bytes from flight', () => {
    const loss = new LossDetection()
    loss.onPacketSent('initial', packet(0, 0))
    expect(loss.congestion.bytesInFlight).toBe(MAX_DATAGRAM_SIZE)
    loss.discard('initial')
    expect(loss.congestion.bytesInFlight).toBe(0)
    expect(loss.deadline()).toBeUndefined()
  })
})
