import { generateKeyPairSync } from 'node:crypto'
import type { PrivateKey } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  generateKeyPair,
  generateKeyPairFromSeed,
  InvalidPrivateKeyError,
  type KeyType,
  privateKeyFromProtobuf,
  privateKeyFromRaw,
  privateKeyToProtobuf,
  publicKeyFromProtobuf,
  publicKeyFromRaw,
  publicKeyToProtobuf,
  UnsupportedKeySizeError,
} from '../src/index.js'

const message = new TextEncoder().encode('the quick brown fox jumps over the lazy dog')

const types: KeyType[] = ['Ed25519', 'secp256k1', 'ECDSA', 'RSA']

describe.each(types)('%s keys', (type) => {
  let key: PrivateKey
  beforeAll(async () => {
    key = await generateKeyPair(type)
  })

  it('round-trip: a signature verifies under the public key', async () => {
    const signature = await key.sign(message)
    expect(await key.publicKey.verify(message, signature)).toBe(true)
  })

  it('signs and verifies a Uint8ArrayList the same as its concatenation', async () => {
    const list = new Uint8ArrayList(message.subarray(0, 10), message.subarray(10, 20), message.subarray(20))
    const signature = await key.sign(list)
    expect(await key.publicKey.verify(message, signature)).toBe(true)
    expect(await key.publicKey.verify(list, await key.sign(message))).toBe(true)
  })

  it('rejects a tampered signature, a tampered message and another key', async () => {
    const signature = await key.sign(message)
    for (const index of [0, Math.floor(signature.byteLength / 2), signature.byteLength - 1]) {
      const tampered = signature.slice()
      tampered[index]! ^= 0x01
      expect(await key.publicKey.verify(message, tampered)).toBe(false)
    }
    const changed = message.slice()
    changed[0]! ^= 0x80
    expect(await key.publicKey.verify(changed, signature)).toBe(false)
    const other = await generateKeyPair(type)
    expect(await other.publicKey.verify(message, signature)).toBe(false)
  })

  it('treats malformed signatures as invalid rather than throwing', async () => {
    for (const bad of [
      new Uint8Array(0),
      new Uint8Array(1),
      new Uint8Array(64),
      new Uint8Array(4096).fill(0xff),
    ]) {
      expect(await key.publicKey.verify(message, bad)).toBe(false)
    }
  })

  it('survives protobuf and raw round trips with equal keys and ids', () => {
    const publicKey = publicKeyFromProtobuf(publicKeyToProtobuf(key.publicKey))
    expect(publicKey.equals(key.publicKey)).toBe(true)
    expect(publicKey.toString()).toBe(key.publicKey.toString())
    expect(publicKeyFromRaw(key.publicKey.raw).equals(key.publicKey)).toBe(true)
    const privateKey = privateKeyFromProtobuf(privateKeyToProtobuf(key))
    expect(privateKey.equals(key)).toBe(true)
    expect(privateKeyFromRaw(key.raw).equals(key)).toBe(true)
    expect(key.equals(publicKey)).toBe(false)
    expect(publicKey.equals(undefined)).toBe(false)
  })

  it('uses an identity multihash only when the protobuf key fits in 42 bytes', () => {
    const marshalled = publicKeyToProtobuf(key.publicKey)
    expect(key.publicKey.toMultihash().code).toBe(marshalled.byteLength <= 42 ? 0x00 : 0x12)
    expect(key.publicKey.toCID().multihash.bytes).toEqual(key.publicKey.toMultihash().bytes)
  })

  it('honours an aborted signal', () => {
    const signal = AbortSignal.abort()
    expect(() => key.sign(message, { signal })).toThrow()
    expect(() => key.publicKey.verify(message, new Uint8Array(64), { signal })).toThrow()
  })
})

describe('Ed25519 specifics', () => {
  it('derives the same key from the same seed', async () => {
    const seed = new Uint8Array(32).fill(7)
    const a = await generateKeyPairFromSeed('Ed25519', seed)
    const b = await generateKeyPairFromSeed('Ed25519', seed)
    expect(a.equals(b)).toBe(true)
    expect(a.raw.byteLength).toBe(64)
    expect(a.raw.subarray(0, 32)).toEqual(seed)
    expect(a.raw.subarray(32)).toEqual(a.publicKey.raw)
  })

  it('accepts a 32-byte seed and the legacy 96-byte form in a protobuf private key', async () => {
    const key = await generateKeyPair('Ed25519')
    const seedOnly = new Uint8Array([0x08, 0x01, 0x12, 0x20, ...key.raw.subarray(0, 32)])
    expect(privateKeyFromProtobuf(seedOnly).equals(key)).toBe(true)
    const legacy = new Uint8Array([0x08, 0x01, 0x12, 0x60, ...key.raw, ...key.publicKey.raw])
    expect(privateKeyFromProtobuf(legacy).equals(key)).toBe(true)
  })

  it('rejects a private key whose public half does not match its seed', async () => {
    const key = await generateKeyPair('Ed25519')
    const raw = key.raw.slice()
    raw[40]! ^= 1
    expect(() => privateKeyFromRaw(raw)).toThrow(InvalidPrivateKeyError)
    const legacy = new Uint8Array([...key.raw, ...new Uint8Array(32)])
    expect(() => privateKeyFromRaw(legacy)).toThrow(InvalidPrivateKeyError)
  })

  it('refuses a seed of the wrong length', async () => {
    await expect(generateKeyPairFromSeed('Ed25519', new Uint8Array(31))).rejects.toThrow(
      InvalidPrivateKeyError,
    )
  })
})

describe('ECDSA specifics', () => {
  it.each(['P-256', 'P-384', 'P-521'] as const)('signs and verifies on %s', async (curve) => {
    const key = await generateKeyPair('ECDSA', curve)
    expect(key.publicKey.jwk.crv).toBe(curve)
    expect(key.publicKey.verify(message, await key.sign(message))).toBe(true)
    expect(publicKeyFromProtobuf(publicKeyToProtobuf(key.publicKey)).equals(key.publicKey)).toBe(true)
  })

  it('imports a PKCS#8 private key and re-marshals it as SEC1', async () => {
    const key = await generateKeyPair('ECDSA')
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }))
    const imported = privateKeyFromRaw(pkcs8)
    expect(imported.type).toBe('ECDSA')
    expect(imported.raw).toEqual(new Uint8Array(privateKey.export({ format: 'der', type: 'sec1' })))
    expect(key.raw[0]).toBe(0x30)
  })
})

describe('RSA specifics', () => {
  it('exposes PKIX public and PKCS#1 private DER and a JWK', async () => {
    const key = await generateKeyPair('RSA', 2048)
    expect(key.publicKey.jwk.kty).toBe('RSA')
    expect(key.jwk.d).toBeTypeOf('string')
    // SEQUENCE { SEQUENCE { rsaEncryption OID … } … } for SPKI; SEQUENCE { INTEGER 0, … } for PKCS#1
    expect(Buffer.from(key.publicKey.raw.subarray(4, 19)).toString('hex')).toBe(
      '300d06092a864886f70d0101010500',
    )
    expect(Buffer.from(key.raw.subarray(4, 7)).toString('hex')).toBe('020100')
  })

  it('rejects keys smaller than 2048 bits on import and generation', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }))
    const pkcs1 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs1' }))
    expect(() => publicKeyFromRaw(spki)).toThrow(UnsupportedKeySizeError)
    expect(() => publicKeyFromProtobuf(new Uint8Array([0x08, 0x00, 0x12, 0xa2, 0x01, ...spki]))).toThrow(
      UnsupportedKeySizeError,
    )
    expect(() => privateKeyFromRaw(pkcs1)).toThrow(UnsupportedKeySizeError)
    await expect(generateKeyPair('RSA', 1024)).rejects.toThrow(UnsupportedKeySizeError)
    await expect(generateKeyPair('RSA', 16384)).rejects.toThrow(UnsupportedKeySizeError)
    try {
      publicKeyFromRaw(spki)
    } catch (err) {
      expect((err as Error).name).toBe('UnsupportedKeySizeError')
      expect((err as UnsupportedKeySizeError).bits).toBe(1024)
    }
  })
})
