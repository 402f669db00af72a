/**
 * Turns a connection's queues into datagrams (RFC 9000 §12.2, §13; RFC 9002
 * §7): per datagram, one packet per space with keys (coalesced), ACKs first,
 * then lost frames, control frames, CRYPTO and STREAM data. Ack-eliciting
 * packets wait for the congestion window and the pacer unless they are PTO
 * probes; a server sends at most 3× what it received until the client's
 * address is validated; datagrams carrying an ack-eliciting Initial are
 * padded to 1200 bytes (§14.1). Starts a key update when one is due.
 */
import { ByteWriter } from '../byte-writer.js'
import { type Frame, isAckEliciting } from '../frame.js'
import { encodeFrame } from '../frame-encoder.js'
import { MAX_DATAGRAM_SIZE } from '../recovery/congestion.js'
import type { EncryptionLevel } from '../tls/handshake-endpoint.js'
import { varintLength } from '../varint.js'
import type { QuicConnection } from './connection.js'
import { ACK_DELAY } from './deadlines.js'
import type { PacketSpace } from './packet-space.js'

const LEVELS: readonly EncryptionLevel[] = ['initial', 'handshake', 'one-rtt']
/** datagrams per flush before yielding to the event loop */
const DATAGRAMS_PER_FLUSH = 64
const MIN_FRAME_ROOM = 24
const encoder = new TextEncoder()
/** frames of the packet being sealed; grows to the largest packet once */
const packetWriter = new ByteWriter(2 * MAX_DATAGRAM_SIZE)

interface Part {
  space: PacketSpace
  frames: Frame[]
  size: number
  eliciting: boolean
}

export function flush(connection: QuicConnection): void {
  if (connection.closeFrame != null) {
    sendClose(connection)
    return
  }
  maybeUpdateKeys(connection)
  const { recovery, pacer } = connection
  connection.pacedUntil = 0
  for (let sent = 0; sent < DATAGRAMS_PER_FLUSH; sent++) {
    const now = Date.now()
    let budget = MAX_DATAGRAM_SIZE
    if (!connection.addressValidated) {
      budget = Math.min(budget, 3 * connection.bytesReceived - connection.bytesSent)
      if (budget < MAX_DATAGRAM_SIZE) return
    }
    const probing = LEVELS.some((level) => connection.spaces[level].probes > 0)
    const windowOpen = recovery.congestion.canSend(MAX_DATAGRAM_SIZE)
    let mayElicit = probing
    if (!probing && windowOpen) {
      const wait = pacer.delay(MAX_DATAGRAM_SIZE, recovery.congestion.window, recovery.rtt.smoothed, now)
      if (wait === 0) mayElicit = true
      else connection.pacedUntil = now + wait
    }
    const parts: Part[] = []
    let remaining = budget
    for (const level of LEVELS) {
      const space = connection.spaces[level]
      if (space.write == null && !(level === 'one-rtt' && connection.oneRtt != null)) continue
      if (level === 'one-rtt' && (connection.oneRtt == null || connection.result == null)) continue
      const overhead = space.overhead(connection.dcid, connection.scid)
      const room = remaining - overhead
      if (room < MIN_FRAME_ROOM) continue
      const part = collect(connection, space, room, mayElicit || space.probes > 0, now)
      if (part == null) continue
      parts.push(part)
      remaining -= overhead + part.size
    }
    if (parts.length === 0) return
    sendDatagram(connection, parts, now)
    connection.pacedUntil = 0
  }
  // more to send: continue after I/O had a turn
  setImmediate(() => connection.flushNow())
}

function collect(
  connection: QuicConnection,
  space: PacketSpace,
  room: number,
  mayElicit: boolean,
  now: number,
): Part | undefined {
  const frames: Frame[] = []
  let size = 0
  const fits = (frame: Frame): boolean => size + frameSize(frame) <= room
  const add = (frame: Frame): void => {
    frames.push(frame)
    size += frameSize(frame)
  }
  // the ACK goes first so it is never squeezed out; it is kept only if due or piggybacked
  let ack: Frame | undefined
  if (space.acks.ackPending) {
    const delay = Math.max(0, now - space.largestReceivedTime) * 1000
    ack = space.acks.ackFrame(Math.floor(delay / 8))
    if (ack != null) add(ack)
  }
  const ackDue =
    ack != null &&
    (space.level !== 'one-rtt' || space.unackedElicting >= 2 || now >= space.largestReceivedTime + ACK_DELAY)
  const isOneRtt = space.level === 'one-rtt'
  if (mayElicit) {
    if (isOneRtt) {
      if (connection.handshakeDonePending && fits({ type: 'handshake-done' })) {
        add({ type: 'handshake-done' })
        connection.handshakeDonePending = false
      }
      if (connection.pathResponse != null) {
        add({ type: 'path-response', data: connection.pathResponse })
        connection.pathResponse = undefined
      }
      for (const frame of connection.streams.takeControl()) space.retransmit.push(frame)
    }
    while (space.retransmit.length > 0) {
      const frame = space.retransmit[0] as Frame
      if (fits(frame)) {
        add(frame)
        space.retransmit.shift()
        continue
      }
      const [head, tail] = split(frame, room - size)
      if (head == null || tail == null) break
      add(head)
      space.retransmit[0] = tail
      break
    }
    for (let frame = space.nextCrypto(room - size); frame != null; frame = space.nextCrypto(room - size))
      add(frame)
    if (isOneRtt) {
      while (room - size > MIN_FRAME_ROOM) {
        const frame = connection.streams.nextStreamFrame(room - size)
        if (frame == null) break
        add(frame)
      }
      if (connection.pingPending && fits({ type: 'ping' })) {
        add({ type: 'ping' })
        connection.pingPending = false
      }
    }
    if (space.probes > 0 && !frames.some(isAckEliciting)) add({ type: 'ping' })
  }
  const eliciting = frames.some(isAckEliciting)
  if (!eliciting && !ackDue) {
    if (ack != null) space.acks.ackPending = true
    return undefined
  }
  if (ack != null) space.unackedElicting = 0
  return { space, frames, size, eliciting }
}

function sendDatagram(connection: QuicConnection, parts: Part[], now: number): void {
  const packets: Uint8Array[] = []
  let total = 0
  const padInitial = parts.some(
    (part) => part.space.level === 'initial' && (connection.isClient || part.eliciting),
  )
  parts.forEach((part, index) => {
    // sealing copies the plaintext into the packet at once: one writer serves every packet
    const writer = packetWriter.reset()
    for (const frame of part.frames) encodeFrame(writer, frame)
    let plaintext = writer.view()
    const overhead = part.space.overhead(connection.dcid, connection.scid)
    if (padInitial && index === parts.length - 1) {
      const want = MAX_DATAGRAM_SIZE - total - overhead
      if (want > plaintext.length) {
        const padded = new Uint8Array(want)
        padded.set(plaintext)
        plaintext = padded
      }
    }
    const { packet, packetNumber } = part.space.seal(
      plaintext,
      connection.dcid,
      connection.scid,
      connection.oneRtt,
    )
    packets.push(packet)
    total += packet.length
    connection.recovery.onPacketSent(part.space.level, {
      packetNumber,
      time: now,
      size: packet.length,
      ackEliciting: part.eliciting,
      inFlight: part.eliciting,
      frames: part.frames.filter(retransmittable),
    })
    if (part.eliciting && part.space.probes > 0) part.space.probes--
    if (part.space.level === 'one-rtt') connection.packetsInPhase++
    // RFC 9001 §4.9.1: a client discards Initial keys once it sends a Handshake packet
    if (part.space.level === 'handshake' && connection.isClient) connection.discardLevel('initial')
  })
  const datagram = packets.length === 1 ? (packets[0] as Uint8Array) : concat(packets, total)
  connection.bytesSent += datagram.length
  if (parts.some((part) => part.eliciting)) {
    connection.pacer.onSent(datagram.length)
    connection.lastAckElicitingSent = now
  }
  connection.init.send(datagram)
}

/** One datagram with CONNECTION_CLOSE at each level the peer may be able to read. */
function sendClose(connection: QuicConnection): void {
  const close = connection.closeFrame
  if (close == null) return
  const reason = encoder.encode(close.reason)
  const parts: Part[] = []
  for (const level of LEVELS) {
    const space = connection.spaces[level]
    const ready =
      level === 'one-rtt' ? connection.oneRtt != null && connection.result != null : space.write != null
    if (!ready) continue
    const frame: Frame =
      close.application && level === 'one-rtt'
        ? { type: 'connection-close', errorCode: close.errorCode, reason }
        : {
            type: 'connection-close',
            errorCode: close.application ? 0x0c : close.errorCode,
            frameType: 0,
            reason: level === 'one-rtt' ? reason : new Uint8Array(0),
          }
    parts.push({ space, frames: [frame], size: frameSize(frame), eliciting: false })
  }
  if (parts.length === 0) return
  // even a CONNECTION_CLOSE stays within 3× what an unvalidated address sent (RFC 9000 §8.1)
  const size = parts.reduce(
    (total, part) => total + part.size + part.space.overhead(connection.dcid, connection.scid),
    0,
  )
  if (!connection.addressValidated && connection.bytesSent + size > 3 * connection.bytesReceived) return
  sendDatagram(connection, parts, Date.now())
}

function maybeUpdateKeys(connection: QuicConnection): void {
  const phase = connection.oneRtt
  if (phase == null || !connection.recovery.handshakeConfirmed) return
  if (connection.packetsInPhase < connection.init.keyUpdateInterval || !phase.canInitiate) return
  phase.initiate()
  connection.startPhase()
  connection.log('key update %d started', connection.keyUpdates)
}

function retransmittable(frame: Frame): boolean {
  return (
    frame.type !== 'ack' &&
    frame.type !== 'padding' &&
    frame.type !== 'ping' &&
    frame.type !== 'connection-close'
  )
}

export function frameSize(frame: Frame): number {
  if (frame.type === 'stream') {
    return (
      1 +
      varintLength(frame.streamId) +
      varintLength(frame.offset) +
      varintLength(frame.data.length) +
      frame.data.length
    )
  }
  if (frame.type === 'crypto') {
    return 1 + varintLength(frame.offset) + varintLength(frame.data.length) + frame.data.length
  }
  const writer = new ByteWriter(64)
  encodeFrame(writer, frame)
  return writer.length
}

/** Splits a STREAM or CRYPTO frame so its head fits `room` bytes. */
function split(frame: Frame, room: number): [Frame | undefined, Frame | undefined] {
  if (frame.type !== 'stream' && frame.type !== 'crypto') return [undefined, undefined]
  const overhead = frameSize({ ...frame, data: new Uint8Array(0) }) + 2
  const take = room - overhead
  if (take <= 0 || take >= frame.data.length) return [undefined, undefined]
  const head = { ...frame, data: frame.data.subarray(0, take) }
  const tail = { ...frame, offset: frame.offset + take, data: frame.data.subarray(take) }
  if (frame.type === 'stream') {
    ;(head as Extract<Frame, { type: 'stream' }>).fin = false
  }
  return [head, tail]
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
