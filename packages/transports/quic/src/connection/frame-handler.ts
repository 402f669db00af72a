/**
 * What a connection does with each frame it receives (RFC 9000 §19). CRYPTO
 * data comes back to the caller, which feeds TLS (asynchronously); stream
 * frames go to the stream manager; ACKs to loss detection.
 */
import {
  ConnectionClosedError,
  ProtocolViolationError,
  QuicTransportError,
  TransportErrorCode,
} from '../errors.js'
import type { Frame } from '../frame.js'
import { ReassemblyLimitError } from '../reassembly-buffer.js'
import type { EncryptionLevel } from '../tls/handshake-endpoint.js'
import type { QuicConnection } from './connection.js'
import { onRetireConnectionId } from './issued-ids.js'

const decoder = new TextDecoder()

/** Handles `frame` received at `level`; returns CRYPTO bytes that became contiguous, if any. */
export function handleFrame(
  connection: QuicConnection,
  level: EncryptionLevel,
  frame: Frame,
): Uint8Array | undefined {
  switch (frame.type) {
    case 'padding':
    case 'ping':
    case 'new-token':
    case 'path-response':
      return undefined
    case 'retire-connection-id':
      onRetireConnectionId(connection, frame)
      return undefined
    case 'crypto': {
      try {
        const data = connection.spaces[level].crypto.insert(frame.offset, frame.data)
        return data.length > 0 ? data : undefined
      } catch (err) {
        if (err instanceof ReassemblyLimitError) {
          throw new QuicTransportError(TransportErrorCode.CRYPTO_BUFFER_EXCEEDED, err.message)
        }
        throw err
      }
    }
    case 'ack':
      onAck(connection, level, frame)
      return undefined
    case 'handshake-done':
      if (!connection.isClient) throw new ProtocolViolationError('a client sent HANDSHAKE_DONE')
      connection.confirmHandshake()
      return undefined
    case 'new-connection-id':
      onNewConnectionId(connection, frame)
      return undefined
    case 'path-challenge':
      connection.pathResponse = frame.data.slice()
      return undefined
    case 'connection-close': {
      const reason = decoder.decode(frame.reason)
      connection.log('peer closed: code 0x%s %s', frame.errorCode.toString(16), reason)
      // RFC 9000 §10.2.2: draining, nothing more is sent
      connection.finish(
        frame.errorCode === 0
          ? undefined
          : new ConnectionClosedError(
              `the peer closed with code ${frame.errorCode}: ${reason}`,
              frame.errorCode,
            ),
      )
      return undefined
    }
    default:
      if (connection.result == null)
        throw new ProtocolViolationError(`${frame.type} before the handshake completed`)
      connection.streams.onFrame(frame)
      if (connection.streams.hasControl || connection.streams.hasSendable) connection.scheduleFlush()
      return undefined
  }
}

/** Holds the peer's new ID within our limits; retires what it asks, switching IDs if ours went (RFC 9000 §5.1). */
function onNewConnectionId(
  connection: QuicConnection,
  frame: Extract<Frame, { type: 'new-connection-id' }>,
): void {
  const { retire, use } = connection.peerConnectionIds.onNewConnectionId(frame, connection.dcid)
  if (use != null) {
    connection.dcid = use
    connection.peerResetTokenChanged()
  }
  if (retire.length === 0) return
  // queued like lost frames: sent with the next 1-RTT packet, and again if lost
  const queue = connection.spaces['one-rtt'].retransmit
  for (const sequence of retire) queue.push({ type: 'retire-connection-id', sequence })
  connection.scheduleFlush()
}

function onAck(
  connection: QuicConnection,
  level: EncryptionLevel,
  frame: Extract<Frame, { type: 'ack' }>,
): void {
  const space = connection.spaces[level]
  const largest = frame.ranges[0]?.largest ?? -1
  if (largest >= space.nextPacketNumber) {
    throw new ProtocolViolationError(`an ACK of packet ${largest} that was never sent`)
  }
  const exponent = level === 'one-rtt' ? (connection.peerParameters?.ackDelayExponent ?? 3) : 3
  const ackDelay = (frame.ackDelay * 2 ** exponent) / 1000
  const { acked, lost } = connection.recovery.onAck(level, frame.ranges, ackDelay, Date.now())
  if (level === 'one-rtt' && connection.oneRtt != null && largest >= connection.phaseStart) {
    // RFC 9001 §6.1: the peer acknowledged a packet of our current phase
    connection.oneRtt.awaitingAck = false
  }
  if (acked.length > 0) space.probes = 0
  // only a peer that rotates its IDs makes us owe retirements: the common path skips the scan
  if (connection.peerConnectionIds.retirementsOwed > 0) {
    for (const packet of acked) {
      for (const sent of packet.frames)
        if (sent.type === 'retire-connection-id') connection.peerConnectionIds.onRetirementAcknowledged()
    }
  }
  if (lost.length > 0)
    connection.requeue(
      level,
      lost.flatMap((packet) => packet.frames),
    )
}
