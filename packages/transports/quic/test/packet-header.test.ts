import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MalformedPacketError } from '../src/errors.js'
import {
  encodeLongHeader,
  encodeRetryWithoutTag,
  encodeShortHeader,
  encodeVersionNegotiation,
  parsePacketHeader,
  QUIC_V1,
} from '../src/packet-header.js'
import { hex, toHex } from './hex.js'

const DCID = hex('8394c8f03e515708')

describe('packet headers (RFC 9000 §17)', () => {
  it('writes the unprotected client Initial header of RFC 9001 Appendix A.2', () => {
    const header = encodeLongHeader({
      type: 'initial',
      dcid: DCID,
      scid: new Uint8Array(0),
      packetNumber: 2,
      pnLength: 4,
      payloadLength: 1162 + 16,
    })
    expect(toHex(header)).toBe('c300000001088394c8f03e5157080000449e00000002')
  })

  it('writes the unprotected server Initial header of RFC 9001 Appendix A.3', () => {
    const header = encodeLongHeader({
      type: 'initial',
      dcid: new Uint8Array(0),
      scid: hex('f067a5502a4262b5'),
      packetNumber: 1,
      pnLength: 2,
      payloadLength: 0x75 - 2,
    })
    expect(toHex(header)).toBe('c1000000010008f067a5502a4262b50040750001')
  })

  it('parses a long header up to the packet number and finds the packet end', () => {
    const header = encodeLongHeader({
      type: 'handshake',
      dcid: DCID,
      scid: hex('0102'),
      packetNumber: 7,
      pnLength: 1,
      payloadLength: 30,
    })
    const datagram = new Uint8Array(header.length + 30 + 5)
    datagram.set(header)
    const parsed = parsePacketHeader(datagram, 0, 8)
    expect(parsed).toMatchObject({
      form: 'long',
      type: 'handshake',
      version: QUIC_V1,
      pnOffset: header.length - 1,
    })
    if (parsed.form !== 'long') throw new Error('not long')
    expect(toHex(parsed.dcid)).toBe(toHex(DCID))
    expect(toHex(parsed.scid)).toBe('0102')
    expect(parsed.packetEnd).toBe(header.length + 30)
  })

  it('parses a short header with the known connection ID length', () => {
    const header = encodeShortHeader({ dcid: hex('aabbcc'), packetNumber: 5, pnLength: 1, keyPhase: 1 })
    expect(toHex(header)).toBe('44aabbcc05')
    const datagram = new Uint8Array(40)
    datagram.set(header)
    expect(parsePacketHeader(datagram, 0, 3)).toMatchObject({ form: 'short', pnOffset: 4, packetEnd: 40 })
  })

  it('round-trips version negotiation and marks other versions unsupported', () => {
    const packet = encodeVersionNegotiation({
      dcid: hex('01'),
      scid: DCID,
      versions: [QUIC_V1, 0x6b3343cf],
      random: 5,
    })
    expect(toHex(packet.subarray(0, 5))).toBe('8500000000')
    expect(parsePacketHeader(packet, 0, 0)).toMatchObject({
      form: 'version-negotiation',
      versions: [QUIC_V1, 0x6b3343cf],
    })
    const other = hex('c0ff00001d' + '01aa' + '00' + '00'.repeat(1200))
    expect(parsePacketHeader(other, 0, 0)).toMatchObject({ form: 'unsupported-version', version: 0xff00001d })
  })

  it('parses a Retry packet (RFC 9001 Appendix A.4)', () => {
    const retry = hex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba')
    const parsed = parsePacketHeader(retry, 0, 0)
    expect(parsed.form).toBe('retry')
    if (parsed.form !== 'retry') throw new Error('not retry')
    expect(new TextDecoder().decode(parsed.token)).toBe('token')
    expect(toHex(parsed.integrityTag)).toBe('04a265ba2eff4d829058fb3f0f2496ba')
    const rebuilt = encodeRetryWithoutTag({
      dcid: parsed.dcid,
      scid: parsed.scid,
      token: parsed.token,
      random: 0x0f,
    })
    expect(toHex(rebuilt)).toBe(toHex(retry.subarray(0, retry.length - 16)))
  })

  it('refuses malformed headers with MalformedPacketError', () => {
    const bad = [
      '', // empty
      '00', // short header, fixed bit clear
      'c0000000011500', // DCID of 21 bytes in v1
      'c000000001088394c8f03e515708', // ends before the SCID length
      'c000000001000000ff', // a Length past the datagram
      'c0000000010000004005' + '00'.repeat(5), // too short to protect
      '80000000000000', // version negotiation without versions
      'f0000000010000' + '00'.repeat(10), // retry shorter than its tag
    ]
    for (const text of bad)
      expect(() => parsePacketHeader(hex(text), 0, 0), text).toThrow(MalformedPacketError)
  })

  it('never throws anything but MalformedPacketError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 20 }), (bytes, dcidLength) => {
        try {
          const parsed = parsePacketHeader(bytes, 0, dcidLength)
          expect(parsed.packetEnd).toBeLessThanOrEqual(bytes.length)
        } catch (err) {
          expect(err).toBeInstanceOf(MalformedPacketError)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
