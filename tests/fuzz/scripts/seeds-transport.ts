/** Seeds for QUIC (packets, frames, transport parameters, TLS messages) and STUN/TURN. */
import {
  encodeFrames,
  encodeLongHeader,
  encodeRetryWithoutTag,
  encodeShortHeader,
  encodeTransportParameters,
  encodeVarint,
  encodeVersionNegotiation,
} from '@weft/quic'
import { encodeMessage, TurnAttributeType, TurnMethod, xorAddressAttribute } from '@weft/stun'
import { encodeChannelData } from '@weft/turn'
import {
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeServerHello,
} from '../../../packages/transports/quic/src/tls/handshake-message.js'
import type { Seeds } from './seeds-core.js'

const text = new TextEncoder()
const dcid = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])
const scid = Uint8Array.from([9, 10, 11, 12])
const transactionId = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
const x25519Share = { type: 0x0033, data: Uint8Array.from([0, 0x1d, 0, 32, ...new Uint8Array(32).fill(6)]) }

/** Handshake message bodies: the TLS framing (type, 24-bit length) removed, as the decoders take them. */
function body(message: Uint8Array): Uint8Array {
  return message.subarray(4)
}

/** A long header followed by the `length` bytes its Length field announces (pn and payload, left as zeros). */
function withPayload(header: Uint8Array, length: number): Uint8Array {
  return Uint8Array.from([...header, ...new Uint8Array(length)])
}

export function transportSeeds(): Seeds {
  const peer = { family: 4 as const, address: '192.0.2.1', port: 4001 }
  return {
    'quic-packet-header': {
      note: 'QUIC packet headers (RFC 9000 §17): Initial, Handshake, 1-RTT, Version Negotiation, Retry',
      seeds: [
        withPayload(
          encodeLongHeader({
            type: 'initial',
            dcid,
            scid,
            token: new Uint8Array(0),
            packetNumber: 0,
            pnLength: 1,
            payloadLength: 40,
          }),
          40,
        ),
        withPayload(
          encodeLongHeader({
            type: 'handshake',
            dcid,
            scid,
            packetNumber: 300,
            pnLength: 2,
            payloadLength: 30,
          }),
          30,
        ),
        Uint8Array.from([
          ...encodeShortHeader({ dcid, packetNumber: 7, pnLength: 1, keyPhase: 0 }),
          0xaa,
          0xbb,
        ]),
        encodeVersionNegotiation({ dcid, scid, versions: [1, 0x6b3343cf] }),
        encodeRetryWithoutTag({ dcid, scid, token: new Uint8Array(24).fill(7) }),
      ],
    },
    'quic-frames': {
      note: 'QUIC frame sequences (RFC 9000 §19) as found in a 1-RTT payload',
      seeds: [
        encodeFrames([{ type: 'ping' }, { type: 'padding', length: 3 }]),
        encodeFrames([
          {
            type: 'ack',
            ackDelay: 10,
            ranges: [
              { smallest: 5, largest: 9 },
              { smallest: 0, largest: 2 },
            ],
          },
          { type: 'stream', streamId: 4, offset: 100, data: text.encode('hello'), fin: true },
          { type: 'max-data', maximum: 1 << 20 },
          { type: 'max-streams', bidirectional: true, maximum: 100 },
        ]),
        encodeFrames([
          { type: 'crypto', offset: 0, data: new Uint8Array(40).fill(1) },
          { type: 'new-token', token: new Uint8Array(16).fill(2) },
          { type: 'connection-close', errorCode: 0x0a, frameType: 0x08, reason: text.encode('bad') },
        ]),
        encodeFrames([
          { type: 'reset-stream', streamId: 8, errorCode: 1, finalSize: 50 },
          { type: 'stop-sending', streamId: 8, errorCode: 1 },
          { type: 'path-challenge', data: new Uint8Array(8).fill(3) },
          { type: 'retire-connection-id', sequence: 1 },
          { type: 'handshake-done' },
        ]),
      ],
    },
    'quic-transport-parameters': {
      note: 'QUIC transport parameters (RFC 9000 §18) as a server sends them',
      seeds: [
        encodeTransportParameters({
          originalDestinationConnectionId: dcid,
          initialSourceConnectionId: scid,
          maxIdleTimeout: 30000,
          initialMaxData: 1 << 20,
          initialMaxStreamDataBidiLocal: 1 << 18,
          initialMaxStreamsBidi: 100,
          activeConnectionIdLimit: 4,
          statelessResetToken: new Uint8Array(16).fill(5),
        }),
      ],
    },
    'quic-varint': {
      note: 'QUIC variable-length integers (RFC 9000 §16) of each length',
      seeds: [
        encodeVarint(37),
        encodeVarint(15293),
        encodeVarint(494878333),
        encodeVarint(151288809941952652n),
      ],
    },
    'quic-tls-client-hello': {
      note: 'TLS 1.3 ClientHello bodies (RFC 8446 §4.1.2)',
      seeds: [
        body(
          encodeClientHello({
            random: new Uint8Array(32).fill(1),
            sessionId: new Uint8Array(0),
            cipherSuites: [0x1301, 0x1303],
            compressionMethods: Uint8Array.from([0]),
            extensions: [{ type: 0x002b, data: Uint8Array.from([2, 0x03, 0x04]) }, x25519Share],
          }),
        ),
      ],
    },
    'quic-tls-server-hello': {
      note: 'a TLS 1.3 ServerHello body',
      seeds: [
        body(
          encodeServerHello({
            random: new Uint8Array(32).fill(2),
            sessionId: new Uint8Array(0),
            cipherSuite: 0x1301,
            compressionMethod: 0,
            extensions: [{ type: 0x002b, data: Uint8Array.from([0x03, 0x04]) }, x25519Share],
          }),
        ),
      ],
    },
    'quic-tls-encrypted-extensions': {
      note: 'a TLS 1.3 EncryptedExtensions body with ALPN "libp2p"',
      seeds: [
        body(
          encodeEncryptedExtensions([
            { type: 0x0010, data: Uint8Array.from([0, 7, 6, ...text.encode('libp2p')]) },
          ]),
        ),
      ],
    },
    'quic-tls-certificate': {
      note: 'a TLS 1.3 Certificate body',
      seeds: [
        body(
          encodeCertificate({
            context: new Uint8Array(0),
            entries: [{ certificate: new Uint8Array(60).fill(0x30), extensions: [] }],
          }),
        ),
      ],
    },
    'quic-tls-certificate-verify': {
      note: 'a TLS 1.3 CertificateVerify body (Ed25519)',
      seeds: [body(encodeCertificateVerify({ scheme: 0x0807, signature: new Uint8Array(64).fill(4) }))],
    },
    'quic-tls-certificate-request': {
      note: 'a TLS 1.3 CertificateRequest body with signature_algorithms',
      seeds: [
        body(
          encodeCertificateRequest({
            context: new Uint8Array(0),
            extensions: [{ type: 0x000d, data: Uint8Array.from([0, 2, 0x08, 0x07]) }],
          }),
        ),
      ],
    },
    stun: {
      note: 'STUN messages (RFC 8489): a Binding request, a success response with FINGERPRINT, an error response',
      seeds: [
        encodeMessage({
          method: 1,
          class: 'request',
          transactionId,
          attributes: [{ type: 'software', value: 'weft' }],
        }),
        encodeMessage(
          {
            method: 1,
            class: 'success',
            transactionId,
            attributes: [
              { type: 'xor-mapped-address', value: peer },
              { type: 'mapped-address', value: { family: 6, address: '2001:db8::1', port: 4001 } },
              { type: 'other-address', value: peer },
            ],
          },
          { fingerprint: true },
        ),
        encodeMessage(
          {
            method: 1,
            class: 'error',
            transactionId,
            attributes: [
              { type: 'error-code', code: 420, reason: 'Unknown' },
              { type: 'unknown-attributes', types: [0x0003] },
            ],
          },
          { integrity: { key: text.encode('secret') } },
        ),
      ],
    },
    turn: {
      note: 'TURN messages (RFC 8656): an Allocate success and a Data indication',
      seeds: [
        encodeMessage({
          method: TurnMethod.ALLOCATE,
          class: 'success',
          transactionId,
          attributes: [
            xorAddressAttribute(TurnAttributeType.XOR_RELAYED_ADDRESS, peer, transactionId),
            { type: 'other', code: TurnAttributeType.LIFETIME, value: Uint8Array.from([0, 0, 2, 0x58]) },
            { type: 'xor-mapped-address', value: peer },
          ],
        }),
        encodeMessage({
          method: TurnMethod.DATA,
          class: 'indication',
          transactionId,
          attributes: [
            xorAddressAttribute(TurnAttributeType.XOR_PEER_ADDRESS, peer, transactionId),
            { type: 'other', code: TurnAttributeType.DATA, value: text.encode('data') },
          ],
        }),
      ],
    },
    'turn-channel-data': {
      note: 'TURN ChannelData messages (RFC 8656 §12.4), padded as over TCP and not',
      seeds: [
        encodeChannelData(0x4000, text.encode('hello'), false),
        encodeChannelData(0x4fff, text.encode('hi'), true),
      ],
    },
  }
}
