import { describe, expect, it } from 'vitest'
import type { NoiseCrypto } from './index.js'
import { nobleCrypto } from './noble.js'
import { nodeCrypto } from './node.js'

const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value.replace(/\s+/g, ''), 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

// RFC 8439 section 2.8.2
const AEAD = {
  key: Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i),
  nonce: hex('070000004041424344454647'),
  aad: hex('50515253c0c1c2c3c4c5c6c7'),
  plaintext: new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  ),
  ciphertext:
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116',
  tag: '1ae10b594f09e26a7e902ecbd0600691',
}

// RFC 7748 section 6.1
const X25519 = {
  alicePrivate: hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
  alicePublic: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bobPrivate: hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'),
  bobPublic: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
}

describe.each<[string, NoiseCrypto]>([
  ['node:crypto', nodeCrypto],
  ['noble', nobleCrypto],
])('%s primitives', (_, crypto) => {
  it('hashes with SHA-256 over concatenated parts', () => {
    const abc = new TextEncoder().encode('abc')
    expect(toHex(crypto.sha256(abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(toHex(crypto.sha256(abc.subarray(0, 1), abc.subarray(1)))).toBe(toHex(crypto.sha256(abc)))
  })

  it('derives two HKDF outputs equal to RFC 5869 test case 3 (empty salt = zero chaining key)', () => {
    // an empty HMAC key and 32 zero bytes pad to the same block
    const [first, second] = crypto.hkdf(new Uint8Array(32), new Uint8Array(22).fill(0x0b))
    const okm = toHex(new Uint8Array([...first, ...second])).slice(0, 84)
    expect(okm).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8')
    expect(first.byteLength).toBe(32)
    expect(second.byteLength).toBe(32)
  })

  it('accepts empty input key material (Noise Split)', () => {
    const [first, second] = crypto.hkdf(new Uint8Array(32).fill(7), new Uint8Array(0))
    expect(first.byteLength).toBe(32)
    expect(toHex(first)).not.toBe(toHex(second))
  })

  it('computes X25519 per RFC 7748 section 6.1', () => {
    const alice = crypto.x25519KeyPairFromPrivateKey(X25519.alicePrivate)
    const bob = crypto.x25519KeyPairFromPrivateKey(X25519.bobPrivate)
    expect(toHex(alice.publicKey)).toBe(X25519.alicePublic)
    expect(toHex(bob.publicKey)).toBe(X25519.bobPublic)
    expect(toHex(crypto.x25519(alice.privateKey, bob.publicKey))).toBe(X25519.shared)
    expect(toHex(crypto.x25519(bob.privateKey, alice.publicKey))).toBe(X25519.shared)
  })

  it('generates working key pairs', () => {
    const a = crypto.generateX25519KeyPair()
    const b = crypto.generateX25519KeyPair()
    expect(a.publicKey.byteLength).toBe(32)
    expect(toHex(crypto.x25519(a.privateKey, b.publicKey))).toBe(
      toHex(crypto.x25519(b.privateKey, a.publicKey)),
    )
  })

  it('refuses a small-order public key (all-zero shared secret)', () => {
    const a = crypto.generateX25519KeyPair()
    expect(() => crypto.x25519(a.privateKey, new Uint8Array(32))).toThrow()
    expect(() => crypto.x25519(a.privateKey, hex(`01${'00'.repeat(31)}`))).toThrow()
  })

  it('refuses keys of the wrong length', () => {
    expect(() => crypto.x25519KeyPairFromPrivateKey(new Uint8Array(31))).toThrow(RangeError)
  })

  it('seals per RFC 8439 section 2.8.2', () => {
    const output = new Uint8Array(AEAD.plaintext.byteLength + 16 + 3)
    const written = crypto.encrypt(AEAD.key, AEAD.nonce, AEAD.aad, AEAD.plaintext, output, 3)
    expect(written).toBe(AEAD.plaintext.byteLength + 16)
    expect(toHex(output.subarray(3))).toBe(AEAD.ciphertext + AEAD.tag)
  })

  it('opens per RFC 8439 section 2.8.2 and refuses any change', () => {
    const sealed = hex(AEAD.ciphertext + AEAD.tag)
    const opened = crypto.decrypt(AEAD.key, AEAD.nonce, AEAD.aad, sealed)
    expect(opened && new TextDecoder().decode(opened)).toBe(new TextDecoder().decode(AEAD.plaintext))
    for (const index of [0, 50, sealed.byteLength - 1]) {
      const tampered = Uint8Array.from(sealed)
      tampered[index]! ^= 1
      expect(crypto.decrypt(AEAD.key, AEAD.nonce, AEAD.aad, tampered)).toBeUndefined()
    }
    expect(crypto.decrypt(AEAD.key, AEAD.nonce, undefined, sealed)).toBeUndefined()
    expect(crypto.decrypt(AEAD.key, AEAD.nonce, AEAD.aad, sealed.subarray(0, 15))).toBeUndefined()
  })

  it('handles an empty plaintext without associated data', () => {
    const output = new Uint8Array(16)
    crypto.encrypt(AEAD.key, AEAD.nonce, undefined, new Uint8Array(0), output, 0)
    const opened = crypto.decrypt(AEAD.key, AEAD.nonce, undefined, output)
    expect(opened?.byteLength).toBe(0)
  })
})

describe('implementations agree', () => {
  it('node:crypto and noble seal to the same bytes', () => {
    const plaintext = new Uint8Array(70_000).map((_, i) => i % 251)
    const a = new Uint8Array(plaintext.byteLength + 16)
    const b = new Uint8Array(plaintext.byteLength + 16)
    nodeCrypto.encrypt(AEAD.key, AEAD.nonce, AEAD.aad, plaintext, a, 0)
    nobleCrypto.encrypt(AEAD.key, AEAD.nonce, AEAD.aad, plaintext, b, 0)
    expect(toHex(a)).toBe(toHex(b))
    expect(nobleCrypto.decrypt(AEAD.key, AEAD.nonce, AEAD.aad, a)?.byteLength).toBe(plaintext.byteLength)
  })
})
