/**
 * The receive path of a connection: split a datagram into its coalesced
 * packets (RFC 9000 §12.2), remove header protection and open each with the
 * keys of its space (for 1-RTT, the key phase picks current, previous or
 * next keys, RFC 9001 §6), drop what does not open (§5.5), record packet
 * numbers for ACKs, then handle the frames; CRYPTO bytes go to TLS.
 */
import { DecryptionError, MalformedPacketError } from '../errors.js'
import { isAckEliciting } from '../frame.js'
import { decodeFrames } from '../frame-decoder.js'
import { parsePacketHeader } from '../packet-header.js'
import { openPayload, removeHeaderProtection, unprotectPacket } from '../packet-protection.js'
import type { EncryptionLevel } from '../tls/handshake-endpoint.js'
import { CONNECTION_ID_LENGTH, type QuicConnection } from './connection.js'
import { handleFrame } from './frame-handler.js'
import { endsWithToken } from './stateless-reset.js'

export async function receiveDatagram(connection: QuicConnection, datagram: Uint8Array): Promise<void> {
  if (connection.state === 'closed') return
  connection.bytesReceived += datagram.length
  let offset = 0
  let anyOpened = false
  while (offset < datagram.length) {
    let header: ReturnType<typeof parsePacketHeader>
    try {
      header = parsePacketHeader(datagram, offset, CONNECTION_ID_LENGTH)
    } catch (err) {
      if (err instanceof MalformedPacketError) break
      throw err
    }
    const start = offset
    offset = header.packetEnd
    const packet = datagram.subarray(start, header.packetEnd)
    try {
      if (header.form === 'long' && header.type !== 'zero-rtt') {
        const space = connection.spaces[header.type]
        if (space.read == null) continue
        const opened = unprotectPacket(space.read, packet, header.pnOffset - start, space.acks.largest)
        if (connection.isClient && header.type === 'initial' && connection.dcid === connection.originalDcid) {
          connection.dcid = header.scid.slice()
        }
        if (!connection.isClient && header.type === 'handshake') {
          // RFC 9001 §4.9.1, RFC 9000 §8.1: a Handshake packet validates the client's address
          connection.addressValidated = true
          connection.discardLevel('initial')
        }
        anyOpened = true
        connection.receivingDcid = undefined
        await onPacket(connection, header.type, opened.packetNumber, opened.payload)
      } else if (header.form === 'short' && connection.oneRtt != null) {
        const space = connection.spaces['one-rtt']
        const fields = removeHeaderProtection(
          connection.oneRtt.read,
          packet,
          header.pnOffset - start,
          space.acks.largest,
        )
        const choice = connection.oneRtt.readKeys(
          ((fields.firstByte >>> 2) & 1) as 0 | 1,
          fields.packetNumber,
        )
        const payload = openPayload(choice.keys, fields.packetNumber, fields.header, fields.sealed)
        if (choice.isUpdate) {
          const phase = connection.oneRtt.writePhase
          connection.oneRtt.confirmRead(fields.packetNumber)
          if (connection.oneRtt.writePhase !== phase) connection.startPhase()
        }
        anyOpened = true
        connection.receivingDcid = header.dcid
        await onPacket(connection, 'one-rtt', fields.packetNumber, payload)
      }
    } catch (err) {
      // RFC 9001 §5.5: a packet that does not open is dropped
      if (!(err instanceof DecryptionError)) throw err
    }
    if (connection.closed) return
  }
  // RFC 9000 §10.3.1: a short-header datagram that did not open may be the peer's stateless reset
  const token = connection.peerConnectionIds.tokenInUse
  if (!anyOpened && (datagram[0] as number) < 0x80 && token != null && endsWithToken(datagram, token)) {
    connection.onStatelessReset()
  }
}

async function onPacket(
  connection: QuicConnection,
  level: EncryptionLevel,
  packetNumber: number,
  payload: Uint8Array,
): Promise<void> {
  const frames = decodeFrames(payload, level)
  const space = connection.spaces[level]
  const eliciting = frames.some(isAckEliciting)
  if (!space.acks.onReceived(packetNumber, eliciting)) return
  connection.lastActivity = Date.now()
  if (packetNumber === space.acks.largest) space.largestReceivedTime = connection.lastActivity
  if (eliciting) space.unackedElicting++
  for (const frame of frames) {
    const crypto = handleFrame(connection, level, frame)
    if (crypto != null) connection.apply(await connection.tls.receive(level, crypto))
    if (connection.closed) return
  }
}
