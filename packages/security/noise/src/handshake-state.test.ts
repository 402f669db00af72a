import { InvalidCryptoExchangeError } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import type { NoiseCrypto } from './crypto/index.js'
import { nobleCrypto } from './crypto/noble.js'
import { nodeCrypto } from './crypto/node.js'
import { InvalidFrameError } from './errors.js'
import { HandshakeState, PROTOCOL_NAME } from './handshake-state.js'

const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/**
 * The Noise_XX_25519_ChaChaPoly_SHA256 entry of the cacophony test vectors
 * (haskell-cryptography/cacophony, vectors/cacophony.txt): fixed static and
 * ephemeral keys, prologue "John Galt", three handshake messages then three
 * transport messages, alternating initiator and responder.
 */
const VECTOR = {
  prologue: '4a6f686e2047616c74',
  initStatic: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
  initEphemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  respStatic: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
  respEphemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshakeHash: 'c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e',
  messages: [
    {
      payload: '4c756477696720766f6e204d69736573',
      ciphertext:
        'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573',
    },
    {
      payload: '4d757272617920526f746862617264',
      ciphertext:
        '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad',
    },
    {
      payload: '462e20412e20486179656b',
      ciphertext:
        'c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030',
    },
    {
      payload: '4361726c204d656e676572',
      ciphertext: '96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df',
    },
    {
      payload: '4a65616e2d426170746973746520536179',
      ciphertext: '3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5',
    },
    {
      payload: '457567656e2042f6686d20766f6e2042617765726b',
      ciphertext: 'eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f',
    },
  ],
}

function pair(crypto: NoiseCrypto, prologue = hex(VECTOR.prologue)): [HandshakeState, HandshakeState] {
  const initiator = new HandshakeState({
    crypto,
    initiator: true,
    prologue,
    staticKeyPair: crypto.x25519KeyPairFromPrivateKey(hex(VECTOR.initStatic)),
    ephemeralKeyPair: crypto.x25519KeyPairFromPrivateKey(hex(VECTOR.initEphemeral)),
  })
  const responder = new HandshakeState({
    crypto,
    initiator: false,
    prologue,
    staticKeyPair: crypto.x25519KeyPairFromPrivateKey(hex(VECTOR.respStatic)),
    ephemeralKeyPair: crypto.x25519KeyPairFromPrivateKey(hex(VECTOR.respEphemeral)),
  })
  return [initiator, responder]
}

describe.each<[string, NoiseCrypto]>([
  ['node:crypto', nodeCrypto],
  ['noble', nobleCrypto],
])('XX handshake state (%s)', (_, crypto) => {
  it('uses the protocol name as the initial hash (32 bytes, no padding needed)', () => {
    expect(new TextEncoder().encode(PROTOCOL_NAME).byteLength).toBe(32)
  })

  it('reproduces the cacophony vector byte for byte, both directions', () => {
    const [initiator, responder] = pair(crypto)
    const [m0, m1, m2, m3, m4, m5] = VECTOR.messages
    const roles: Array<[HandshakeState, HandshakeState]> = [
      [initiator, responder],
      [responder, initiator],
      [initiator, responder],
    ]
    for (const [index, message] of [m0!, m1!, m2!].entries()) {
      const [writer, reader] = roles[index]!
      const wire = writer.writeMessage(hex(message.payload))
      expect(toHex(wire)).toBe(message.ciphertext)
      expect(toHex(reader.readMessage(wire))).toBe(message.payload)
    }
    expect(initiator.complete && responder.complete).toBe(true)
    expect(toHex(initiator.handshakeHash)).toBe(VECTOR.handshakeHash)
    expect(toHex(responder.handshakeHash)).toBe(VECTOR.handshakeHash)
    expect(toHex(initiator.remoteStaticKey!)).toBe(
      toHex(crypto.x25519KeyPairFromPrivateKey(hex(VECTOR.respStatic)).publicKey),
    )

    const i = initiator.split()
    const r = responder.split()
    const transport: Array<[typeof i, typeof r, typeof m3]> = [
      [r, i, m3],
      [i, r, m4],
      [r, i, m5],
    ]
    for (const [from, to, message] of transport) {
      const wire = from.send.encrypt(undefined, hex(message!.payload))
      expect(toHex(wire)).toBe(message!.ciphertext)
      expect(toHex(to.receive.decrypt(undefined, wire)!)).toBe(message!.payload)
    }
  })

  it('fails authentication when the prologues differ', () => {
    const [initiator] = pair(crypto)
    const [, responder] = pair(crypto, new Uint8Array(0))
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)))
    const message2 = responder.writeMessage(new Uint8Array(0))
    expect(() => initiator.readMessage(message2)).toThrow(InvalidCryptoExchangeError)
  })

  it('rejects a tampered message 2 with InvalidCryptoExchangeError', () => {
    const [initiator, responder] = pair(crypto)
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)))
    const message2 = responder.writeMessage(new Uint8Array(5))
    message2[40]! ^= 0x80
    expect(() => initiator.readMessage(message2)).toThrow(InvalidCryptoExchangeError)
  })

  it('rejects truncated messages with InvalidFrameError', () => {
    const [initiator, responder] = pair(crypto)
    expect(() => responder.readMessage(new Uint8Array(31))).toThrow(InvalidFrameError)
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)))
    const message2 = responder.writeMessage(new Uint8Array(0))
    expect(() => initiator.readMessage(message2.subarray(0, 60))).toThrow(InvalidFrameError)
  })

  it('rejects a message 2 whose payload lost its tag', () => {
    const [initiator, responder] = pair(crypto)
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)))
    const message2 = responder.writeMessage(new Uint8Array(0))
    expect(() => initiator.readMessage(message2.subarray(0, 80))).toThrow(InvalidCryptoExchangeError)
  })

  it('rejects a small-order ephemeral key with InvalidCryptoExchangeError', () => {
    const [initiator, responder] = pair(crypto)
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)))
    const message2 = responder.writeMessage(new Uint8Array(0))
    message2.fill(0, 0, 32)
    expect(() => initiator.readMessage(message2)).toThrow(InvalidCryptoExchangeError)
  })

  it('refuses messages out of turn and an early split', () => {
    const [initiator, responder] = pair(crypto)
    expect(() => responder.writeMessage(new Uint8Array(0))).toThrow()
    expect(() => initiator.readMessage(new Uint8Array(32))).toThrow()
    expect(() => initiator.split()).toThrow()
  })

  it('refuses to write a message over 65535 bytes', () => {
    const [initiator] = pair(crypto)
    expect(() => initiator.writeMessage(new Uint8Array(65535 - 31))).toThrow(RangeError)
  })

  it('completes with random ephemeral keys', () => {
    const a = new HandshakeState({ crypto, initiator: true, staticKeyPair: crypto.generateX25519KeyPair() })
    const b = new HandshakeState({ crypto, initiator: false, staticKeyPair: crypto.generateX25519KeyPair() })
    b.readMessage(a.writeMessage(new Uint8Array(0)))
    a.readMessage(b.writeMessage(new Uint8Array(0)))
    b.readMessage(a.writeMessage(new Uint8Array(0)))
    const sealed = a.split().send.encrypt(undefined, new Uint8Array([1, 2, 3]))
    expect(Array.from(b.split().receive.decrypt(undefined, sealed)!)).toEqual([1, 2, 3])
  })
})
