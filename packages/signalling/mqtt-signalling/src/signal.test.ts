import type { PeerId, PrivateKey } from '@libp2p/interface'
import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeSealed, encodeBody, encodeSealed, encodeSigned } from './envelope.js'
import { seal } from './seal.js'
import { checkExpiry, createSignal, openSignal, recipientKey, type SealKeys, sealKeys } from './signal.js'

interface Party {
  key: PrivateKey
  id: PeerId
  keys: SealKeys
}

async function party(): Promise<Party> {
  const key = await generateKeyPair('Ed25519')
  const id = peerIdFromPrivateKey(key)
  return { key, id, keys: sealKeys(id, key) }
}

const NOW = 1_800_000_000_000
const payload = new TextEncoder().encode('hello')

describe('signalling messages', () => {
  let alice: Party
  let bob: Party
  let eve: Party
  beforeAll(async () => {
    ;[alice, bob, eve] = await Promise.all([party(), party(), party()])
  })

  const open = (bytes: Uint8Array, to: Party, now = NOW) =>
    openSignal(bytes, { keys: to.keys, now, maxSize: 8192, maxTtl: 60_000, clockSkew: 10_000 })

  it('opens for the recipient with the sender, type, payload and nonce it was sent with', () => {
    const { bytes, nonce } = createSignal({
      from: alice.id,
      privateKey: alice.key,
      to: bob.id,
      message: { type: 'chat', payload },
      expiry: NOW + 30_000,
    })
    const opened = open(bytes, bob)
    expect(opened.from.equals(alice.id)).toBe(true)
    expect(opened.type).toBe('chat')
    expect(opened.payload).toEqual(payload)
    expect(opened.nonce).toEqual(nonce)
    expect(opened.expiry).toBe(NOW + 30_000)
    expect(opened.inReplyTo).toBeUndefined()
  })

  it('hides the content from the broker and everyone but the recipient', () => {
    const { bytes } = createSignal({
      from: alice.id,
      privateKey: alice.key,
      to: bob.id,
      message: { type: 'chat', payload },
      expiry: NOW + 30_000,
    })
    expect(Buffer.from(bytes).includes(Buffer.from('hello'))).toBe(false)
    expect(Buffer.from(bytes).includes(Buffer.from('chat'))).toBe(false)
    expect(() => open(bytes, eve)).toThrow(expect.objectContaining({ name: 'UnsealFailedError' }))
  })

  it('refuses a tampered ciphertext', () => {
    const { bytes } = createSignal({
      from: alice.id,
      privateKey: alice.key,
      to: bob.id,
      message: { type: 'chat', payload },
      expiry: NOW + 30_000,
    })
    const sealed = decodeSealed(bytes)
    const ciphertext = sealed.ciphertext.slice()
    ciphertext[5] ^= 1
    expect(() => open(encodeSealed({ ...sealed, ciphertext }), bob)).toThrow(
      expect.objectContaining({ name: 'UnsealFailedError' }),
    )
  })

  it('refuses a message signed by a key that is not the sender named in it (forged)', () => {
    // Eve writes a body claiming to be Alice, signs it with her own key and seals it to Bob
    const body = encodeBody({
      from: alice.id.toMultihash().bytes,
      to: bob.id.toMultihash().bytes,
      type: 'chat',
      payload,
      expiry: NOW + 30_000,
      nonce: new Uint8Array(16).fill(1),
    })
    const domain = new TextEncoder().encode('weft-mqtt-signalling/v1 signature:')
    const signature = eve.key.sign(Buffer.concat([domain, body])) as Uint8Array
    const withEveKey = encodeSigned({ body, publicKey: publicKeyToProtobuf(eve.key.publicKey), signature })
    expect(() => open(encodeSealed(seal(withEveKey, recipientKey(bob.id))), bob)).toThrow(
      expect.objectContaining({ name: 'InvalidSignatureError' }),
    )
    // with Alice's public key the signature (Eve's) does not verify
    const withAliceKey = encodeSigned({
      body,
      publicKey: publicKeyToProtobuf(alice.key.publicKey),
      signature,
    })
    expect(() => open(encodeSealed(seal(withAliceKey, recipientKey(bob.id))), bob)).toThrow(
      expect.objectContaining({ name: 'InvalidSignatureError' }),
    )
  })

  it('refuses a message addressed to another peer, even sealed to us', () => {
    const { bytes } = createSignal({
      from: alice.id,
      privateKey: alice.key,
      to: eve.id,
      message: { type: 'chat', payload },
      expiry: NOW + 30_000,
    })
    expect(() => open(bytes, eve)).not.toThrow()
    // Eve re-seals the signed inner message to Bob: the signed `to` still names Eve
    const body = encodeBody({
      from: alice.id.toMultihash().bytes,
      to: eve.id.toMultihash().bytes,
      type: 'chat',
      payload,
      expiry: NOW + 30_000,
      nonce: new Uint8Array(16),
    })
    const domain = new TextEncoder().encode('weft-mqtt-signalling/v1 signature:')
    const signed = encodeSigned({
      body,
      publicKey: publicKeyToProtobuf(alice.key.publicKey),
      signature: alice.key.sign(Buffer.concat([domain, body])) as Uint8Array,
    })
    expect(() => open(encodeSealed(seal(signed, recipientKey(bob.id))), bob)).toThrow(
      expect.objectContaining({ name: 'InvalidSignalError', message: expect.stringMatching(/another peer/) }),
    )
  })

  it('refuses expired messages and expiries beyond the window', () => {
    const make = (expiry: number) =>
      createSignal({
        from: alice.id,
        privateKey: alice.key,
        to: bob.id,
        message: { type: 't', payload },
        expiry,
      }).bytes
    expect(() => open(make(NOW - 10_001), bob)).toThrow(
      expect.objectContaining({ name: 'ExpiredSignalError' }),
    )
    expect(() => open(make(NOW + 70_001), bob)).toThrow(
      expect.objectContaining({ name: 'ExpiredSignalError' }),
    )
    expect(() => open(make(NOW - 9_000), bob)).not.toThrow()
    expect(() => checkExpiry(NOW + 70_000, NOW, 60_000, 10_000)).not.toThrow()
  })

  it('refuses oversized and malformed input with typed errors', () => {
    expect(() => open(new Uint8Array(8193), bob)).toThrow(
      expect.objectContaining({ name: 'SignalTooLargeError' }),
    )
    expect(() => open(Uint8Array.of(0xff, 0xff), bob)).toThrow(
      expect.objectContaining({ name: 'InvalidSignalError' }),
    )
    expect(() =>
      open(
        encodeSealed({ version: 2, ephemeralKey: new Uint8Array(32), ciphertext: new Uint8Array(32) }),
        bob,
      ),
    ).toThrow(
      expect.objectContaining({ name: 'InvalidSignalError', message: expect.stringMatching(/version/) }),
    )
    // a low-order ephemeral key (all zeros) is refused by X25519
    expect(() =>
      open(
        encodeSealed({ version: 1, ephemeralKey: new Uint8Array(32), ciphertext: new Uint8Array(32) }),
        bob,
      ),
    ).toThrow(expect.objectContaining({ name: 'UnsealFailedError' }))
    // a well-sealed message whose content is not a signed message
    expect(() => open(encodeSealed(seal(Uint8Array.of(1, 2, 3), recipientKey(bob.id))), bob)).toThrow(
      expect.objectContaining({ name: 'InvalidSignalError' }),
    )
  })

  it('cannot seal to a peer id without an Ed25519 key', async () => {
    const secp = await generateKeyPair('secp256k1')
    expect(() => recipientKey(peerIdFromPrivateKey(secp))).toThrow(
      expect.objectContaining({ name: 'UnsupportedRecipientError' }),
    )
  })
})
