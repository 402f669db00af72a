import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  MAX_PUBLIC_KEY_MESSAGE_LENGTH,
  privateKeyFromProtobuf,
  privateKeyFromRaw,
  publicKeyFromMultihash,
  publicKeyFromProtobuf,
  publicKeyFromRaw,
} from '../src/index.js'
import { hex, SPEC_KEYS } from './fixtures/spec-vectors.js'

const TYPED = new Set([
  'InvalidPublicKeyError',
  'InvalidPrivateKeyError',
  'UnsupportedKeyTypeError',
  'UnsupportedKeySizeError',
  'InvalidMultihashError',
])

/** Runs `parse`; success is fine, a typed error is fine, anything else fails the test. */
function expectTotal(parse: () => unknown): void {
  try {
    parse()
  } catch (err) {
    expect(
      TYPED.has((err as Error).name),
      `unexpected ${(err as Error).name}: ${(err as Error).message}`,
    ).toBe(true)
  }
}

function expectRejects(parse: () => unknown, name: string): void {
  expect(parse).toThrow(expect.objectContaining({ name }))
}

describe('malformed key bytes', () => {
  it('rejects every truncation of the spec vectors with a typed error', () => {
    for (const vector of Object.values(SPEC_KEYS)) {
      const bytes = hex(vector)
      for (let length = 0; length < bytes.byteLength; length++) {
        const cut = bytes.subarray(0, length)
        expectTotal(() => publicKeyFromProtobuf(cut))
        expectTotal(() => privateKeyFromProtobuf(cut))
      }
    }
  })

  it('survives single-byte corruption of every vector', () => {
    for (const vector of [
      SPEC_KEYS.ed25519Public,
      SPEC_KEYS.secp256k1Public,
      SPEC_KEYS.ecdsaPublic,
      SPEC_KEYS.ed25519Private,
    ]) {
      const bytes = hex(vector)
      for (let index = 0; index < bytes.byteLength; index++) {
        const corrupt = bytes.slice()
        corrupt[index]! ^= 0xa5
        expectTotal(() => publicKeyFromProtobuf(corrupt))
        expectTotal(() => privateKeyFromProtobuf(corrupt))
      }
    }
  })

  it('survives random input', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = new Uint8Array(randomBytes(1 + (i % 120)))
      expectTotal(() => publicKeyFromProtobuf(bytes))
      expectTotal(() => privateKeyFromProtobuf(bytes))
      expectTotal(() => publicKeyFromRaw(bytes))
      expectTotal(() => privateKeyFromRaw(bytes))
    }
  })

  it('names what is wrong', () => {
    expectRejects(() => publicKeyFromProtobuf(new Uint8Array([0x08, 0x01])), 'InvalidPublicKeyError')
    expectRejects(() => publicKeyFromProtobuf(new Uint8Array([0x12, 0x00])), 'InvalidPublicKeyError')
    expectRejects(
      () => publicKeyFromProtobuf(new Uint8Array([0x08, 0x07, 0x12, 0x00])),
      'UnsupportedKeyTypeError',
    )
    // Data announces 2^31 - 1 bytes that are not there
    expectRejects(
      () => publicKeyFromProtobuf(new Uint8Array([0x08, 0x01, 0x12, 0xff, 0xff, 0xff, 0xff, 0x07])),
      'InvalidPublicKeyError',
    )
    // an endless varint
    expectRejects(() => publicKeyFromProtobuf(new Uint8Array(20).fill(0xff)), 'InvalidPublicKeyError')
    // group wire type
    expectRejects(() => publicKeyFromProtobuf(new Uint8Array([0x0b, 0x0c])), 'InvalidPublicKeyError')
    // Ed25519 with 31 bytes of data
    expectRejects(
      () => publicKeyFromProtobuf(new Uint8Array([0x08, 0x01, 0x12, 0x1f, ...new Uint8Array(31)])),
      'InvalidPublicKeyError',
    )
    // secp256k1 point not on the curve
    expectRejects(
      () =>
        publicKeyFromProtobuf(
          new Uint8Array([0x08, 0x02, 0x12, 0x21, 0x02, ...new Uint8Array(32).fill(0xff)]),
        ),
      'InvalidPublicKeyError',
    )
    // secp256k1 scalar zero
    expectRejects(
      () => privateKeyFromProtobuf(new Uint8Array([0x08, 0x02, 0x12, 0x20, ...new Uint8Array(32)])),
      'InvalidPrivateKeyError',
    )
    // RSA data that is not DER
    expectRejects(
      () => publicKeyFromProtobuf(new Uint8Array([0x08, 0x00, 0x12, 0x03, 1, 2, 3])),
      'InvalidPublicKeyError',
    )
    expectRejects(
      () => privateKeyFromProtobuf(new Uint8Array([0x08, 0x03, 0x12, 0x03, 1, 2, 3])),
      'InvalidPrivateKeyError',
    )
    // ECDSA type holding an RSA key
    const rsaSpki = publicKeyFromProtobuf(hex(SPEC_KEYS.rsaPublic)).raw
    expectRejects(() => publicKeyFromRaw(rsaSpki.subarray(0, 100)), 'InvalidPublicKeyError')
    expectRejects(
      () => publicKeyFromProtobuf(new Uint8Array(MAX_PUBLIC_KEY_MESSAGE_LENGTH + 1)),
      'InvalidPublicKeyError',
    )
  })

  it('refuses huge key type codes as unsupported, 64-bit ones included', () => {
    // 2^31, then 2^64 - 1: the protobuf reader reads them whole, the key decoder refuses them
    for (const code of [
      [0x80, 0x80, 0x80, 0x80, 0x08],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    ]) {
      expectRejects(
        () => publicKeyFromProtobuf(new Uint8Array([0x08, ...code, 0x12, 0x01, 0x00])),
        'UnsupportedKeyTypeError',
      )
    }
  })

  it('refuses key types in the wrong slot', () => {
    const rsa = publicKeyFromProtobuf(hex(SPEC_KEYS.rsaPublic))
    const asEcdsa = new Uint8Array([0x08, 0x03, 0x12, 0xa6, 0x04, ...rsa.raw])
    expectRejects(() => publicKeyFromProtobuf(asEcdsa), 'InvalidPublicKeyError')
    const ecdsa = publicKeyFromProtobuf(hex(SPEC_KEYS.ecdsaPublic))
    expectRejects(
      () => publicKeyFromProtobuf(new Uint8Array([0x08, 0x00, 0x12, 0x5b, ...ecdsa.raw])),
      'InvalidPublicKeyError',
    )
  })

  it('accepts fields out of order and skips unknown ones, re-encoding canonically', () => {
    const canonical = hex(SPEC_KEYS.ed25519Public)
    const data = canonical.subarray(4)
    const shuffled = new Uint8Array([0x12, 0x20, ...data, 0x18, 0x96, 0x01, 0x08, 0x01])
    const key = publicKeyFromProtobuf(shuffled)
    expect(key.toMultihash().digest).toEqual(canonical)
  })

  it('refuses multihashes that hold no key', () => {
    const rsa = publicKeyFromProtobuf(hex(SPEC_KEYS.rsaPublic))
    expectRejects(() => publicKeyFromMultihash(rsa.toMultihash()), 'InvalidMultihashError')
  })
})
