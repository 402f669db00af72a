/**
 * QUIC: what a datagram from anyone reaches before any key is checked (the
 * packet header), what a decrypted payload holds (frames), what the peer's
 * TLS handshake carries (transport parameters, TLS messages), and varints.
 */
import {
  decodeFrames,
  decodeTransportParameters,
  decodeVarintBigInt,
  encodeTransportParameters,
  encodeVarint,
  type PacketKind,
  parsePacketHeader,
  readVarint,
} from '@weft/quic'
import fc from 'fast-check'
import { describe, expect } from 'vitest'
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeServerHello,
} from '../../../packages/transports/quic/src/tls/handshake-message.js'
import { FuzzFinding, fuzzTarget, roundTrip } from './support/fuzz.js'

/** every packet of a datagram, as the endpoint walks a coalesced datagram */
function parseDatagram(datagram: Uint8Array): unknown[] {
  const headers: unknown[] = []
  let offset = 0
  while (offset < datagram.byteLength && headers.length < 16) {
    const header = parsePacketHeader(datagram, offset, 8)
    headers.push(header)
    if (header.packetEnd <= offset)
      throw new FuzzFinding(`packet end ${header.packetEnd} does not advance past ${offset}`)
    offset = header.packetEnd
  }
  return headers
}

function decodeVarints(bytes: Uint8Array): void {
  const approximate = readVarint(bytes, 0)
  const exact = decodeVarintBigInt(bytes, 0)
  if (
    (approximate === undefined) !== (exact === undefined) ||
    (exact !== undefined && approximate?.value !== Number(exact))
  ) {
    throw new FuzzFinding(`readVarint and decodeVarintBigInt disagree: ${approximate?.value} and ${exact}`)
  }
}

const KINDS: PacketKind[] = ['initial', 'zero-rtt', 'handshake']

describe('quic', () => {
  fuzzTarget('quic-packet-header', parseDatagram, { maxLength: 1500 })
  fuzzTarget('quic-frames', (bytes) => decodeFrames(bytes, 'one-rtt'))
  for (const kind of KINDS)
    fuzzTarget(`quic-frames (${kind})`, (bytes) => decodeFrames(bytes, kind), { corpus: 'quic-frames' })
  fuzzTarget('quic-transport-parameters', (bytes) => decodeTransportParameters(bytes, 'server'))
  fuzzTarget(
    'quic-transport-parameters (from a client)',
    (bytes) => decodeTransportParameters(bytes, 'client'),
    {
      corpus: 'quic-transport-parameters',
    },
  )
  fuzzTarget('quic-varint', decodeVarints, { maxLength: 16 })
  fuzzTarget('quic-tls-client-hello', (bytes) => decodeClientHello(bytes))
  fuzzTarget('quic-tls-server-hello', (bytes) => decodeServerHello(bytes))
  fuzzTarget('quic-tls-encrypted-extensions', (bytes) => decodeEncryptedExtensions(bytes))
  fuzzTarget('quic-tls-certificate', (bytes) => decodeCertificate(bytes))
  fuzzTarget('quic-tls-certificate-verify', (bytes) => decodeCertificateVerify(bytes))
  fuzzTarget('quic-tls-certificate-request', (bytes) => decodeCertificateRequest(bytes))

  roundTrip('quic-varint', fc.bigInt({ min: 0n, max: 2n ** 62n - 1n }), (value) => {
    expect(decodeVarintBigInt(encodeVarint(value), 0)).toBe(value)
  })
  roundTrip(
    'quic-transport-parameters',
    fc.record({
      maxIdleTimeout: fc.nat({ max: 2 ** 40 }),
      initialMaxData: fc.nat({ max: 2 ** 50 }),
      initialMaxStreamsBidi: fc.nat({ max: 2 ** 40 }),
      ackDelayExponent: fc.nat({ max: 20 }),
      activeConnectionIdLimit: fc.integer({ min: 2, max: 1000 }),
      initialSourceConnectionId: fc.uint8Array({ maxLength: 20 }),
    }),
    (params) => {
      expect(decodeTransportParameters(encodeTransportParameters(params), 'client')).toMatchObject(params)
    },
  )
})
