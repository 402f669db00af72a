import { randomBytes } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import type { MultihashDigest } from 'multiformats/hashes/interface'
import { describe, expect, it } from 'vitest'
import {
  InvalidCIDError,
  InvalidPeerIdError,
  MAX_PEER_ID_STRING_LENGTH,
  peerIdFromBytes,
  peerIdFromCID,
  peerIdFromMultihash,
  peerIdFromString,
} from '../src/index.js'

const ED25519_ID = '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq'
const ED25519_PUBLIC = new Uint8Array(
  Buffer.from('080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e', 'hex'),
)

function expectInvalid(parse: () => unknown): void {
  expect(parse).toThrow(InvalidPeerIdError)
}

describe('malformed peer ids', () => {
  it('refuses text that is no peer id', () => {
    for (const text of [
      '',
      'Qm',
      '1',
      'hello',
      'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5', // one character short
      'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N0', // '0' is not base58
      ED25519_ID.slice(0, -1),
      'b' + 'a'.repeat(MAX_PEER_ID_STRING_LENGTH),
      '\u{1F680}',
    ]) {
      expectInvalid(() => peerIdFromString(text))
    }
    expectInvalid(() => peerIdFromString(undefined as unknown as string))
  })

  it('refuses a CID of another codec or version', () => {
    const peerId = peerIdFromString(ED25519_ID)
    const raw = CID.createV1(0x55, peerId.toMultihash())
    expect(() => peerIdFromCID(raw)).toThrow(InvalidCIDError)
    expect(() => peerIdFromString(raw.toString())).toThrow(InvalidCIDError)
    const sha = peerIdFromString('QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N')
    expect(() => peerIdFromCID(CID.createV0(sha.toMultihash() as MultihashDigest<0x12>))).toThrow(
      InvalidCIDError,
    )
  })

  it('refuses multihashes of other hashes, wrong sizes and non-canonical keys', () => {
    expectInvalid(() => peerIdFromMultihash(createDigest(0x13, new Uint8Array(64))))
    expectInvalid(() => peerIdFromMultihash(createDigest(0x12, new Uint8Array(20))))
    expectInvalid(() => peerIdFromMultihash(createDigest(0x00, new Uint8Array(43))))
    expectInvalid(() => peerIdFromMultihash(createDigest(0x00, new Uint8Array([0x08, 0x01]))))
    // fields reversed: decodes to the same key, but is not the canonical encoding
    const reversed = new Uint8Array([0x12, 0x20, ...ED25519_PUBLIC.subarray(4), 0x08, 0x01])
    expectInvalid(() => peerIdFromMultihash(createDigest(0x00, reversed)))
    expect(peerIdFromMultihash(createDigest(0x00, ED25519_PUBLIC)).toString()).toBe(ED25519_ID)
  })

  it('refuses truncated and random binary multihashes with InvalidPeerIdError only', () => {
    const bytes = peerIdFromString(ED25519_ID).toMultihash().bytes
    for (let length = 0; length < bytes.byteLength; length++) {
      expectInvalid(() => peerIdFromBytes(bytes.subarray(0, length)))
    }
    expectInvalid(() => peerIdFromBytes(new Uint8Array(200)))
    for (let i = 0; i < 300; i++) {
      const random = new Uint8Array(randomBytes(1 + (i % 60)))
      try {
        peerIdFromBytes(random)
      } catch (err) {
        expect((err as Error).name).toBe('InvalidPeerIdError')
      }
      try {
        peerIdFromString(base58btc.baseEncode(random))
      } catch (err) {
        expect(['InvalidPeerIdError', 'InvalidCIDError']).toContain((err as Error).name)
      }
    }
  })
})
