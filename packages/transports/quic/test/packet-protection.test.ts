import { describe, expect, it } from 'vitest'
import { TLS_CHACHA20_POLY1305_SHA256 } from '../src/cipher-suite.js'
import { DecryptionError } from '../src/errors.js'
import { hkdfExpandLabel, hkdfLabel } from '../src/hkdf.js'
import { KeyPhase } from '../src/key-phase.js'
import { parsePacketHeader } from '../src/packet-header.js'
import { derivePacketKeys, initialKeys, nextPacketKeys } from '../src/packet-keys.js'
import { protectPacket, unprotectPacket } from '../src/packet-protection.js'
import { encodeRetry, retryIntegrityTag, verifyRetry } from '../src/retry.js'
import { hex, toHex } from './hex.js'
import {
  CLIENT_INITIAL_CRYPTO,
  CLIENT_INITIAL_PROTECTED,
  SERVER_INITIAL_PAYLOAD,
  SERVER_INITIAL_PROTECTED,
} from './rfc9001-vectors.js'

const DCID = hex('8394c8f03e515708')

describe('RFC 9001 Appendix A.1: keys', () => {
  it('builds the HkdfLabel info strings', () => {
    expect(toHex(hkdfLabel('client in', new Uint8Array(0), 32))).toBe(
      '00200f746c73313320636c69656e7420696e00',
    )
    expect(toHex(hkdfLabel('server in', new Uint8Array(0), 32))).toBe(
      '00200f746c7331332073657276657220696e00',
    )
    expect(toHex(hkdfLabel('quic key', new Uint8Array(0), 16))).toBe('00100e746c7331332071756963206b657900')
    expect(toHex(hkdfLabel('quic iv', new Uint8Array(0), 12))).toBe('000c0d746c733133207175696320697600')
    expect(toHex(hkdfLabel('quic hp', new Uint8Array(0), 16))).toBe('00100d746c733133207175696320687000')
  })

  it('derives the initial secrets and keys from the DCID', () => {
    const keys = initialKeys(DCID)
    expect(toHex(keys.initialSecret)).toBe('7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44')
    expect(toHex(keys.client.secret)).toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea')
    expect(toHex(keys.client.key)).toBe('1f369613dd76d5467730efcbe3b1a22d')
    expect(toHex(keys.client.iv)).toBe('fa044b2f42a3fd3b46fb255c')
    expect(toHex(keys.client.hp)).toBe('9f50449e04a0e810283a1e9933adedd2')
    expect(toHex(keys.server.secret)).toBe('3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b')
    expect(toHex(keys.server.key)).toBe('cf3a5331653c364c88f0f379b6067e37')
    expect(toHex(keys.server.iv)).toBe('0ac1493ca1905853b0bba03e')
    expect(toHex(keys.server.hp)).toBe('c206b8d9b9f0f37644430b490eeaa314')
  })
})

describe('RFC 9001 Appendix A.2: client Initial', () => {
  const plaintext = new Uint8Array(1162)
  plaintext.set(CLIENT_INITIAL_CRYPTO)
  const header = hex('c300000001088394c8f03e5157080000449e00000002')

  it('protects the packet byte for byte', () => {
    const packet = protectPacket(initialKeys(DCID).client, header, 4, 2, plaintext)
    expect(packet.length).toBe(1200)
    expect(toHex(packet)).toBe(toHex(CLIENT_INITIAL_PROTECTED))
  })

  it('parses and opens it as a server would', () => {
    const parsed = parsePacketHeader(CLIENT_INITIAL_PROTECTED, 0, 8)
    if (parsed.form !== 'long') throw new Error('expected a long header')
    const server = initialKeys(parsed.dcid)
    const opened = unprotectPacket(
      server.client,
      CLIENT_INITIAL_PROTECTED.subarray(0, parsed.packetEnd),
      parsed.pnOffset,
      -1,
    )
    expect(opened.packetNumber).toBe(2)
    expect(toHex(opened.header)).toBe(toHex(header))
    expect(toHex(opened.payload)).toBe(toHex(plaintext))
  })

  it('drops a packet with one flipped bit with DecryptionError', () => {
    const tampered = CLIENT_INITIAL_PROTECTED.slice()
    tampered[600] = (tampered[600] as number) ^ 1
    expect(() => unprotectPacket(initialKeys(DCID).client, tampered, 18, -1)).toThrow(DecryptionError)
    expect(() => unprotectPacket(initialKeys(DCID).client, tampered.subarray(0, 30), 18, -1)).toThrow(
      DecryptionError,
    )
  })
})

describe('RFC 9001 Appendix A.3: server Initial', () => {
  it('protects the packet byte for byte and opens it', () => {
    const header = hex('c1000000010008f067a5502a4262b50040750001')
    const packet = protectPacket(initialKeys(DCID).server, header, 2, 1, SERVER_INITIAL_PAYLOAD)
    expect(toHex(packet)).toBe(toHex(SERVER_INITIAL_PROTECTED))
    const opened = unprotectPacket(initialKeys(DCID).server, SERVER_INITIAL_PROTECTED, 18, 0)
    expect(opened.packetNumber).toBe(1)
    expect(toHex(opened.payload)).toBe(toHex(SERVER_INITIAL_PAYLOAD))
  })
})

describe('RFC 9001 Appendix A.4: Retry', () => {
  const retry = hex('ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba')

  it('computes and checks the integrity tag', () => {
    expect(toHex(retryIntegrityTag(DCID, retry.subarray(0, retry.length - 16)))).toBe(
      '04a265ba2eff4d829058fb3f0f2496ba',
    )
    expect(verifyRetry(DCID, retry)).toBe(true)
    expect(verifyRetry(hex('8394c8f03e515709'), retry)).toBe(false)
    const built = encodeRetry({
      originalDcid: DCID,
      dcid: new Uint8Array(0),
      scid: hex('f067a5502a4262b5'),
      token: new TextEncoder().encode('token'),
    })
    expect(verifyRetry(DCID, built)).toBe(true)
  })
})

describe('RFC 9001 Appendix A.5: ChaCha20-Poly1305 short header', () => {
  const secret = hex('9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b')
  const keys = derivePacketKeys(TLS_CHACHA20_POLY1305_SHA256, secret)

  it('derives key, iv, hp and ku', () => {
    expect(toHex(keys.key)).toBe('c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8')
    expect(toHex(keys.iv)).toBe('e0459b3474bdd0e44a41c144')
    expect(toHex(keys.hp)).toBe('25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4')
    expect(toHex(hkdfExpandLabel('sha256', secret, 'quic ku', new Uint8Array(0), 32))).toBe(
      '1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9',
    )
    const next = nextPacketKeys(keys)
    expect(toHex(next.secret)).toBe('1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9')
    expect(next.hp).toEqual(keys.hp)
  })

  it('protects the smallest packet byte for byte and opens it', () => {
    const packet = protectPacket(keys, hex('4200bff4'), 3, 654360564, hex('01'))
    expect(toHex(packet)).toBe('4cfe4189655e5cd55c41f69080575d7999c25a5bfb')
    const opened = unprotectPacket(keys, packet, 1, 654360563)
    expect(opened.packetNumber).toBe(654360564)
    expect(toHex(opened.header)).toBe('4200bff4')
    expect(toHex(opened.payload)).toBe('01')
  })
})

describe('key update (RFC 9001 §6)', () => {
  function pair() {
    const a = derivePacketKeys(TLS_CHACHA20_POLY1305_SHA256, new Uint8Array(32).fill(1))
    const b = derivePacketKeys(TLS_CHACHA20_POLY1305_SHA256, new Uint8Array(32).fill(2))
    return { client: new KeyPhase(a, b), server: new KeyPhase(b, a) }
  }

  function send(from: KeyPhase, to: KeyPhase, packetNumber: number): 0 | 1 {
    const bit = from.writePhase
    const packet = protectPacket(
      from.write,
      Uint8Array.of(0x40 | (bit << 2) | 1, 0, packetNumber),
      2,
      packetNumber,
      hex('01020304'),
    )
    const choice = to.readKeys(bit, packetNumber)
    unprotectPacket(choice.keys, packet, 1, packetNumber - 1)
    if (choice.isUpdate) to.confirmRead(packetNumber)
    return bit
  }

  it('follows an update started by either side, and opens late packets with the previous keys', () => {
    const { client, server } = pair()
    send(client, server, 1)
    send(server, client, 1)
    const late = protectPacket(client.write, Uint8Array.of(0x41, 0, 2), 2, 2, hex('01020304'))
    client.initiate()
    expect(client.writePhase).toBe(1)
    expect(() => client.initiate()).toThrow()
    send(client, server, 3)
    expect(server.readPhase).toBe(1)
    expect(server.writePhase).toBe(1)
    // packet 2, sent before the update, arrives after it
    const choice = server.readKeys(0, 2)
    expect(choice.isUpdate).toBe(false)
    expect(toHex(unprotectPacket(choice.keys, late, 1, 3).payload)).toBe('01020304')
    send(server, client, 2)
    expect(client.readPhase).toBe(1)
    // the server updates next, once its packets were acknowledged
    server.awaitingAck = false
    client.awaitingAck = false
    server.initiate()
    expect(send(server, client, 3)).toBe(0)
    expect(client.writePhase).toBe(0)
    expect(send(client, server, 4)).toBe(0)
    expect(client.updates).toBe(2)
  })

  it('refuses a packet under wrong keys with DecryptionError', () => {
    const { client, server } = pair()
    const packet = protectPacket(client.write, Uint8Array.of(0x45, 0, 1), 2, 1, hex('01020304'))
    const choice = server.readKeys(1, 1)
    expect(choice.isUpdate).toBe(true)
    expect(() => unprotectPacket(choice.keys, packet, 1, 0)).toThrow(DecryptionError)
    expect(server.readPhase).toBe(0)
  })
})
