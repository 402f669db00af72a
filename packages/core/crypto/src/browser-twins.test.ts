/**
 * The browser builds of the Ed25519 and SHA-256 modules (swapped in by
 * package.json's `browser` field) agree with the node:crypto ones: same keys
 * from a seed, signatures verify across both, same digests.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import * as browserEd25519 from './ed25519.browser.js'
import * as nodeEd25519 from './ed25519.js'
import { sha256 as browserSha256 } from './hash.browser.js'
import { sha256 as nodeSha256 } from './hash.js'
import { generateRSAKeyPair, rsaPublicKeyFromRaw } from './rsa.browser.js'

describe('browser Ed25519', () => {
  it('derives the same key pair from a seed as node:crypto', () => {
    const seed = crypto.getRandomValues(new Uint8Array(32))
    const fromBrowser = browserEd25519.ed25519PrivateKeyFromSeed(seed)
    const fromNode = nodeEd25519.ed25519PrivateKeyFromSeed(seed)
    expect(fromBrowser.raw).toEqual(fromNode.raw)
    expect(fromBrowser.publicKey.toString()).toBe(fromNode.publicKey.toString())
  })

  it('signs what node:crypto verifies and verifies what it signs', () => {
    const key = browserEd25519.generateEd25519KeyPair()
    const nodeKey = nodeEd25519.ed25519PrivateKeyFromRaw(key.raw)
    const data = new Uint8ArrayList(new Uint8Array([1, 2]), new Uint8Array([3]))
    expect(nodeKey.publicKey.verify(data, key.sign(data))).toBe(true)
    expect(key.publicKey.verify(data, nodeKey.sign(data))).toBe(true)
    const forged = key.sign(data)
    forged[0] ^= 1
    expect(key.publicKey.verify(data, forged)).toBe(false)
    expect(key.publicKey.verify(data, new Uint8Array(10))).toBe(false)
  })

  it('checks imported keys as the node build does', () => {
    const key = browserEd25519.generateEd25519KeyPair()
    const wrong = key.raw.slice()
    wrong[40] ^= 1
    expect(() => browserEd25519.ed25519PrivateKeyFromRaw(wrong)).toThrow(/does not match its seed/)
    expect(() => browserEd25519.ed25519PublicKeyFromRaw(new Uint8Array(31))).toThrow(/32 bytes/)
  })
})

describe('browser SHA-256', () => {
  it('matches node:crypto over bytes and chunked lists', () => {
    const data = crypto.getRandomValues(new Uint8Array(10_000))
    const list = new Uint8ArrayList(data.subarray(0, 3), data.subarray(3, 9_999), data.subarray(9_999))
    expect(browserSha256(data)).toEqual(nodeSha256(data))
    expect(browserSha256(list)).toEqual(nodeSha256(data))
  })
})

describe('browser RSA', () => {
  it('refuses with UnsupportedKeyTypeError', async () => {
    expect(() => rsaPublicKeyFromRaw(new Uint8Array(300))).toThrow(
      expect.objectContaining({ name: 'UnsupportedKeyTypeError' }),
    )
    await expect(generateRSAKeyPair()).rejects.toHaveProperty('name', 'UnsupportedKeyTypeError')
  })
})
