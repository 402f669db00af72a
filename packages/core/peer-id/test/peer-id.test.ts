import { inspect } from 'node:util'
import { isPeerId } from '@libp2p/interface'
import { generateKeyPair, publicKeyFromProtobuf } from '@weft/crypto'
import { base16 } from 'multiformats/bases/base16'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import {
  InvalidPeerIdError,
  peerIdFromBytes,
  peerIdFromCID,
  peerIdFromMultihash,
  peerIdFromPrivateKey,
  peerIdFromPublicKey,
  peerIdFromString,
  UnsupportedKeyTypeError,
} from '../src/index.js'

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'))

// peer-ids/peer-ids.md, "Test vectors": public keys; ids by the spec's rule.
const ED25519_PUBLIC = '080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e'
const SECP256K1_PUBLIC = '08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99'
const KEY_VECTORS = [
  {
    type: 'Ed25519',
    key: ED25519_PUBLIC,
    string: '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq',
    cid: 'bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6',
  },
  {
    type: 'secp256k1',
    key: SECP256K1_PUBLIC,
    string: '16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY',
    cid: 'bafzaajiiaijcca3xo7uzjzcsyilaj6i54cj44qk7kqzpoao5rti2pjx6udtdbp6kte',
  },
] as const

// peer-ids/peer-ids.md, "Decoding", examples.
const SPEC_EXAMPLES = {
  sha256Cid: 'bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe',
  sha256: 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N',
  ed25519: '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA',
}

describe('spec string vectors', () => {
  it('parses the spec examples and prints them back', () => {
    const rsa = peerIdFromString(SPEC_EXAMPLES.sha256)
    expect(rsa.type).toBe('RSA')
    expect(rsa.publicKey).toBeUndefined()
    expect(rsa.toString()).toBe(SPEC_EXAMPLES.sha256)
    expect(rsa.toMultihash().code).toBe(0x12)

    const cid = peerIdFromString(SPEC_EXAMPLES.sha256Cid)
    expect(cid.type).toBe('RSA')
    expect(cid.toCID().toString()).toBe(SPEC_EXAMPLES.sha256Cid)
    expect(peerIdFromString(cid.toString()).equals(cid)).toBe(true)
    // the spec's two sha256 examples are one peer in its two text forms
    expect(cid.toString()).toBe(SPEC_EXAMPLES.sha256)
    expect(rsa.toCID().toString()).toBe(SPEC_EXAMPLES.sha256Cid)

    const ed = peerIdFromString(SPEC_EXAMPLES.ed25519)
    expect(ed.type).toBe('Ed25519')
    expect(ed.publicKey?.type).toBe('Ed25519')
    expect(ed.toString()).toBe(SPEC_EXAMPLES.ed25519)
    expect(ed.publicKey?.toString()).toBe(SPEC_EXAMPLES.ed25519)
  })

  for (const vector of KEY_VECTORS) {
    it(`derives the ${vector.type} id of the spec's key in both text forms`, () => {
      const key = publicKeyFromProtobuf(hex(vector.key))
      const peerId = peerIdFromPublicKey(key)
      expect(peerId.type).toBe(vector.type)
      expect(peerId.toString()).toBe(vector.string)
      expect(peerId.toCID().toString()).toBe(vector.cid)
      expect((peerId as unknown as { toJSON(): string }).toJSON()).toBe(vector.string)
      expect(JSON.stringify({ peerId })).toBe(`{"peerId":"${vector.string}"}`)

      for (const text of [vector.string, vector.cid]) {
        const parsed = peerIdFromString(text)
        expect(parsed.type).toBe(vector.type)
        expect(parsed.publicKey?.equals(key)).toBe(true)
        expect(parsed.equals(peerId)).toBe(true)
      }
    })
  }

  it('parses the CID form in other multibases', () => {
    const peerId = peerIdFromString(KEY_VECTORS[0].string)
    const cid = peerId.toCID()
    for (const base of [base16, base32, base36, base58btc]) {
      const text = cid.toString(base)
      expect(peerIdFromString(text).equals(peerId)).toBe(true)
      expect(peerId.equals(text)).toBe(true)
    }
    expect(() => peerIdFromString(cid.toString(base36), base32.decoder)).toThrow(InvalidPeerIdError)
  })
})

describe('round trips', () => {
  it.each(['Ed25519', 'secp256k1', 'RSA'] as const)('%s: key → id → text/bytes/CID → id', async (type) => {
    const key = await generateKeyPair(type)
    const peerId = peerIdFromPrivateKey(key)
    expect(peerId.type).toBe(type)
    expect(peerId.publicKey?.equals(key.publicKey)).toBe(true)
    expect(peerIdFromString(peerId.toString()).equals(peerId)).toBe(true)
    expect(peerIdFromString(peerId.toCID().toString()).equals(peerId)).toBe(true)
    expect(peerIdFromBytes(peerId.toMultihash().bytes).equals(peerId)).toBe(true)
    expect(peerIdFromMultihash(peerId.toMultihash()).equals(peerId)).toBe(true)
    expect(peerIdFromCID(CID.decode(peerId.toCID().bytes)).equals(peerId)).toBe(true)
    expect(peerId.toString()).toBe(key.publicKey.toString())
    const prefix = { Ed25519: '12D3KooW', secp256k1: '16Uiu2', RSA: 'Qm' }[type]
    expect(peerId.toString().startsWith(prefix)).toBe(true)
  })

  it('refuses ECDSA keys, which have no PeerId type', async () => {
    const key = await generateKeyPair('ECDSA')
    expect(() => peerIdFromPrivateKey(key)).toThrow(UnsupportedKeyTypeError)
  })
})

describe('PeerId objects', () => {
  it('carry the @libp2p/peer-id brand and inspect as PeerId(…)', () => {
    const peerId = peerIdFromString(KEY_VECTORS[0].string)
    expect(isPeerId(peerId)).toBe(true)
    expect((peerId as unknown as Record<symbol, unknown>)[Symbol.for('@libp2p/peer-id')]).toBe(true)
    expect(inspect(peerId)).toBe(`PeerId(${KEY_VECTORS[0].string})`)
    expect(`${peerId}`).toBe(KEY_VECTORS[0].string)
  })

  it('equals a PeerId, either string form or the multihash bytes, and nothing else', () => {
    const peerId = peerIdFromString(KEY_VECTORS[0].string)
    const other = peerIdFromString(KEY_VECTORS[1].string)
    expect(peerId.equals(peerIdFromString(KEY_VECTORS[0].cid))).toBe(true)
    expect(peerId.equals(KEY_VECTORS[0].string)).toBe(true)
    expect(peerId.equals(KEY_VECTORS[0].cid)).toBe(true)
    expect(peerId.equals(peerId.toMultihash().bytes)).toBe(true)
    expect(peerId.equals(other)).toBe(false)
    expect(peerId.equals(KEY_VECTORS[1].string)).toBe(false)
    expect(peerId.equals(other.toMultihash().bytes)).toBe(false)
    expect(peerId.equals('not a peer id')).toBe(false)
    expect(peerId.equals(undefined)).toBe(false)
    expect(peerId.equals(42)).toBe(false)
    expect(peerId.equals({ toMultihash: () => peerId.toMultihash() })).toBe(true)
  })
})
