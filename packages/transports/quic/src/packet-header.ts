/**
 * QUIC packet headers (RFC 9000 §17, invariants RFC 8999 §5). Parsing stops
 * at the packet number: it and the low bits of the first byte are still under
 * header protection (RFC 9001 §5.4), so `pnOffset` tells packet protection
 * where to start. Long headers carry a Length, which lets coalesced packets
 * be split (`packetEnd`); a short header runs to the end of the datagram.
 *
 * Parsing is total: a header or `MalformedPacketError` (the datagram is dropped).
 */
import { ByteReader } from './byte-reader.js'
import { ByteWriter } from './byte-writer.js'
import { MalformedPacketError } from './errors.js'

export const QUIC_V1 = 0x00000001
/** RFC 9000 §17.2: a v1 connection ID is at most 20 bytes. */
export const MAX_CONNECTION_ID_LENGTH = 20

export type LongPacketType = 'initial' | 'zero-rtt' | 'handshake' | 'retry'
const LONG_TYPES: readonly LongPacketType[] = ['initial', 'zero-rtt', 'handshake', 'retry']

/** Initial, 0-RTT or Handshake: a protected packet with a Length field. */
export interface LongHeader {
  form: 'long'
  type: 'initial' | 'zero-rtt' | 'handshake'
  version: number
  dcid: Uint8Array
  scid: Uint8Array
  /** Initial only; empty for other types */
  token: Uint8Array
  /** offset of the (protected) packet number in the datagram */
  pnOffset: number
  /** offset just past this packet: the next coalesced packet starts here */
  packetEnd: number
}

export interface ShortHeader {
  form: 'short'
  dcid: Uint8Array
  pnOffset: number
  packetEnd: number
}

export interface RetryHeader {
  form: 'retry'
  version: number
  dcid: Uint8Array
  scid: Uint8Array
  token: Uint8Array
  integrityTag: Uint8Array
  packetEnd: number
}

export interface VersionNegotiationHeader {
  form: 'version-negotiation'
  dcid: Uint8Array
  scid: Uint8Array
  versions: number[]
  packetEnd: number
}

/** A long header of a version we do not speak: only the invariant fields (RFC 8999 §5.1). */
export interface UnsupportedVersionHeader {
  form: 'unsupported-version'
  version: number
  dcid: Uint8Array
  scid: Uint8Array
  packetEnd: number
}

export type PacketHeader =
  | LongHeader
  | ShortHeader
  | RetryHeader
  | VersionNegotiationHeader
  | UnsupportedVersionHeader

function malformed(message: string): Error {
  return new MalformedPacketError(message)
}

/**
 * Reads the header of the packet at `offset` in `datagram`. `shortDcidLength`
 * is the length of our own connection IDs (short headers do not carry it).
 * Views point into `datagram`.
 */
export function parsePacketHeader(
  datagram: Uint8Array,
  offset: number,
  shortDcidLength: number,
): PacketHeader {
  const reader = new ByteReader(datagram, malformed, offset)
  const first = reader.uint8('the first byte')
  if ((first & 0x80) === 0) {
    // RFC 9000 §17.3.1: the fixed bit must be 1 (we do not negotiate grease_quic_bit)
    if ((first & 0x40) === 0) reader.fail('short header with the fixed bit cleared')
    const dcid = reader.bytesView(shortDcidLength, 'the destination connection ID')
    if (reader.remaining < 1) reader.fail('short header without a packet number')
    return { form: 'short', dcid, pnOffset: reader.offset, packetEnd: datagram.length }
  }
  const version = reader.uint32('the version')
  // RFC 8999 §5.1: other versions may use connection IDs up to 255 bytes
  const dcidLength = reader.uint8('the DCID length')
  if (version === QUIC_V1 && dcidLength > MAX_CONNECTION_ID_LENGTH) {
    reader.fail(`a DCID of ${dcidLength} bytes exceeds ${MAX_CONNECTION_ID_LENGTH}`)
  }
  const dcid = reader.bytesView(dcidLength, 'the destination connection ID')
  const scidLength = reader.uint8('the SCID length')
  if (version === QUIC_V1 && scidLength > MAX_CONNECTION_ID_LENGTH) {
    reader.fail(`a SCID of ${scidLength} bytes exceeds ${MAX_CONNECTION_ID_LENGTH}`)
  }
  const scid = reader.bytesView(scidLength, 'the source connection ID')

  if (version === 0) {
    // RFC 9000 §17.2.1: a list of 32-bit versions fills the rest of the datagram
    if (reader.remaining === 0 || reader.remaining % 4 !== 0) {
      reader.fail(`version negotiation with ${reader.remaining} bytes of versions`)
    }
    const versions: number[] = []
    while (!reader.done) versions.push(reader.uint32())
    return { form: 'version-negotiation', dcid, scid, versions, packetEnd: datagram.length }
  }
  if (version !== QUIC_V1) {
    return { form: 'unsupported-version', version, dcid, scid, packetEnd: datagram.length }
  }
  if ((first & 0x40) === 0) reader.fail('long header with the fixed bit cleared')
  const type = LONG_TYPES[(first >>> 4) & 0x03] as LongPacketType
  if (type === 'retry') {
    if (reader.remaining < 16) reader.fail('a Retry packet shorter than its integrity tag')
    const token = reader.bytesView(reader.remaining - 16, 'the retry token')
    const integrityTag = reader.bytesView(16, 'the retry integrity tag')
    return { form: 'retry', version, dcid, scid, token, integrityTag, packetEnd: datagram.length }
  }
  let token: Uint8Array = new Uint8Array(0)
  if (type === 'initial') token = reader.bytesView(reader.varint('the token length'), 'the token')
  const length = reader.varint('the length')
  if (length > reader.remaining)
    reader.fail(`a Length of ${length} runs past the datagram (${reader.remaining} left)`)
  // RFC 9001 §5.4.2: the sample needs 4 bytes after the packet number offset plus 16
  if (length < 20) reader.fail(`a Length of ${length} is too short to protect`)
  return {
    form: 'long',
    type,
    version,
    dcid,
    scid,
    token,
    pnOffset: reader.offset,
    packetEnd: reader.offset + length,
  }
}

export interface LongHeaderInit {
  type: 'initial' | 'zero-rtt' | 'handshake'
  version?: number
  dcid: Uint8Array
  scid: Uint8Array
  /** Initial only */
  token?: Uint8Array
  packetNumber: number
  pnLength: 1 | 2 | 3 | 4
  /** bytes after the packet number: the frames plus the AEAD tag */
  payloadLength: number
}

/** An unprotected long header up to and including the packet number; `pnOffset` is `length - pnLength`. */
export function encodeLongHeader(init: LongHeaderInit): Uint8Array {
  checkConnectionId(init.dcid)
  checkConnectionId(init.scid)
  const writer = new ByteWriter(64 + (init.token?.length ?? 0))
  const typeBits = LONG_TYPES.indexOf(init.type)
  writer.uint8(0xc0 | (typeBits << 4) | (init.pnLength - 1))
  writer.uint32(init.version ?? QUIC_V1)
  writer.uint8(init.dcid.length).bytes(init.dcid)
  writer.uint8(init.scid.length).bytes(init.scid)
  if (init.type === 'initial') {
    const token = init.token ?? new Uint8Array(0)
    writer.varint(token.length).bytes(token)
  } else if (init.token != null && init.token.length > 0) {
    throw new TypeError(`a ${init.type} packet carries no token`)
  }
  writer.varint(init.pnLength + init.payloadLength)
  writePacketNumber(writer, init.packetNumber, init.pnLength)
  return writer.finish()
}

export interface ShortHeaderInit {
  dcid: Uint8Array
  packetNumber: number
  pnLength: 1 | 2 | 3 | 4
  keyPhase: 0 | 1
  spin?: 0 | 1
}

/** An unprotected short header (RFC 9000 §17.3.1). */
export function encodeShortHeader(init: ShortHeaderInit): Uint8Array {
  checkConnectionId(init.dcid)
  const writer = new ByteWriter(1 + init.dcid.length + 4)
  writer.uint8(0x40 | ((init.spin ?? 0) << 5) | (init.keyPhase << 2) | (init.pnLength - 1))
  writer.bytes(init.dcid)
  writePacketNumber(writer, init.packetNumber, init.pnLength)
  return writer.finish()
}

/**
 * A Version Negotiation packet answering a client's long header: its SCID
 * becomes our DCID and vice versa (RFC 9000 §17.2.1). The unused bits of the
 * first byte are random, as the spec asks.
 */
export function encodeVersionNegotiation(init: {
  dcid: Uint8Array
  scid: Uint8Array
  versions: readonly number[]
  random?: number
}): Uint8Array {
  if (init.versions.length === 0) throw new TypeError('version negotiation needs at least one version')
  const writer = new ByteWriter(7 + init.dcid.length + init.scid.length + 4 * init.versions.length)
  writer.uint8(0x80 | ((init.random ?? Math.floor(Math.random() * 128)) & 0x7f))
  writer.uint32(0)
  writer.uint8(init.dcid.length).bytes(init.dcid)
  writer.uint8(init.scid.length).bytes(init.scid)
  for (const version of init.versions) writer.uint32(version)
  return writer.finish()
}

/** A Retry packet without its integrity tag (RFC 9000 §17.2.5); `retry.ts` adds the tag. */
export function encodeRetryWithoutTag(init: {
  version?: number
  dcid: Uint8Array
  scid: Uint8Array
  token: Uint8Array
  random?: number
}): Uint8Array {
  checkConnectionId(init.dcid)
  checkConnectionId(init.scid)
  const writer = new ByteWriter(7 + init.dcid.length + init.scid.length + init.token.length)
  writer.uint8(0xf0 | ((init.random ?? 0) & 0x0f))
  writer.uint32(init.version ?? QUIC_V1)
  writer.uint8(init.dcid.length).bytes(init.dcid)
  writer.uint8(init.scid.length).bytes(init.scid)
  writer.bytes(init.token)
  return writer.finish()
}

function writePacketNumber(writer: ByteWriter, packetNumber: number, length: number): void {
  for (let i = length - 1; i >= 0; i--) writer.uint8(Math.floor(packetNumber / 2 ** (8 * i)) & 0xff)
}

function checkConnectionId(id: Uint8Array): void {
  if (id.length > MAX_CONNECTION_ID_LENGTH) {
    throw new RangeError(`a connection ID is at most ${MAX_CONNECTION_ID_LENGTH} bytes, got ${id.length}`)
  }
}
