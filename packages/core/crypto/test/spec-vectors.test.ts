import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  privateKeyFromProtobuf,
  privateKeyToProtobuf,
  publicKeyFromMultihash,
  publicKeyFromProtobuf,
  publicKeyToProtobuf,
} from '../src/index.js'
import { hex, SPEC_KEYS, SPEC_PEER_IDS } from './fixtures/spec-vectors.js'

const cases = [
  {
    name: 'Ed25519',
    type: 'Ed25519',
    pub: SPEC_KEYS.ed25519Public,
    priv: SPEC_KEYS.ed25519Private,
    id: SPEC_PEER_IDS.ed25519,
  },
  {
    name: 'secp256k1',
    type: 'secp256k1',
    pub: SPEC_KEYS.secp256k1Public,
    priv: SPEC_KEYS.secp256k1Private,
    id: SPEC_PEER_IDS.secp256k1,
  },
  {
    name: 'ECDSA',
    type: 'ECDSA',
    pub: SPEC_KEYS.ecdsaPublic,
    priv: SPEC_KEYS.ecdsaPrivate,
    id: SPEC_PEER_IDS.ecdsa,
  },
  { name: 'RSA', type: 'RSA', pub: SPEC_KEYS.rsaPublic, priv: SPEC_KEYS.rsaPrivate, id: SPEC_PEER_IDS.rsa },
] as const

describe('peer-id spec test vectors', () => {
  for (const vector of cases) {
    describe(vector.name, () => {
      it('decodes the public key and re-encodes it byte for byte', () => {
        const key = publicKeyFromProtobuf(hex(vector.pub))
        expect(key.type).toBe(vector.type)
        expect(Buffer.from(publicKeyToProtobuf(key)).toString('hex')).toBe(vector.pub)
      })

      it('decodes the private key, re-encodes it byte for byte and yields the listed public key', () => {
        const key = privateKeyFromProtobuf(hex(vector.priv))
        expect(key.type).toBe(vector.type)
        expect(Buffer.from(privateKeyToProtobuf(key)).toString('hex')).toBe(vector.priv)
        expect(Buffer.from(publicKeyToProtobuf(key.publicKey)).toString('hex')).toBe(vector.pub)
        expect(key.publicKey.equals(publicKeyFromProtobuf(hex(vector.pub)))).toBe(true)
      })

      it('derives the peer id by the spec rule', () => {
        const key = publicKeyFromProtobuf(hex(vector.pub))
        const marshalled = hex(vector.pub)
        const multihash = key.toMultihash()
        if (marshalled.byteLength <= 42) {
          expect(multihash.code).toBe(0x00)
          expect(multihash.digest).toEqual(marshalled)
        } else {
          expect(multihash.code).toBe(0x12)
          expect(multihash.digest).toEqual(new Uint8Array(createHash('sha256').update(marshalled).digest()))
        }
        expect(key.toString()).toBe(vector.id.string)
        expect(key.toCID().toString()).toBe(vector.id.cid)
        expect(key.toCID().code).toBe(0x72)
      })

      it('signs with the private key and verifies with the public key', async () => {
        const privateKey = privateKeyFromProtobuf(hex(vector.priv))
        const publicKey = publicKeyFromProtobuf(hex(vector.pub))
        const message = new TextEncoder().encode(`weft ${vector.name}`)
        const signature = await privateKey.sign(message)
        expect(await publicKey.verify(message, signature)).toBe(true)
      })
    })
  }

  it('extracts the inlined keys from their identity multihashes', () => {
    for (const pub of [SPEC_KEYS.ed25519Public, SPEC_KEYS.secp256k1Public]) {
      const key = publicKeyFromProtobuf(hex(pub))
      expect(publicKeyFromMultihash(key.toMultihash()).equals(key)).toBe(true)
    }
  })

  it('Ed25519 signatures are the RFC 8032 deterministic ones', () => {
    const key = privateKeyFromProtobuf(hex(SPEC_KEYS.ed25519Private))
    const message = new TextEncoder().encode('deterministic')
    expect(key.sign(message)).toEqual(key.sign(message))
    expect(key.raw.subarray(0, 32)).toEqual(
      hex('7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d'),
    )
  })
})
