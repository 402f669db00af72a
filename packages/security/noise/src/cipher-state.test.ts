import { describe, expect, it } from 'vitest'
import { CipherState } from './cipher-state.js'
import { nodeCrypto } from './crypto/node.js'
import { NonceExhaustedError } from './errors.js'

const key = new Uint8Array(32).fill(9)

describe('CipherState', () => {
  it('encodes the counter little-endian after four zero bytes (Noise 12.3)', () => {
    const state = new CipherState(nodeCrypto, key)
    const counter = 0x0102030405060708n
    state.setNonce(counter)
    const sealed = state.encrypt(undefined, new Uint8Array([42]))
    const nonce = Uint8Array.from([0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1])
    expect(Array.from(nodeCrypto.decrypt(key, nonce, undefined, sealed)!)).toEqual([42])
    expect(state.counter).toBe(counter + 1n)
  })

  it('carries the low word into the high word', () => {
    const sender = new CipherState(nodeCrypto, key)
    const receiver = new CipherState(nodeCrypto, key)
    sender.setNonce(0xffffffffn)
    receiver.setNonce(0xffffffffn)
    for (let i = 0; i < 3; i++) {
      expect(receiver.decrypt(undefined, sender.encrypt(undefined, new Uint8Array([i])))?.[0]).toBe(i)
    }
    expect(sender.counter).toBe(0x100000002n)
  })

  it('uses nonce 2^64 - 2 and then refuses (2^64 - 1 is reserved)', () => {
    const state = new CipherState(nodeCrypto, key)
    state.setNonce(0xfffffffffffffffen)
    expect(state.encrypt(undefined, new Uint8Array(1)).byteLength).toBe(17)
    expect(() => state.encrypt(undefined, new Uint8Array(1))).toThrow(NonceExhaustedError)
    expect(() => state.decrypt(undefined, new Uint8Array(17))).toThrow(NonceExhaustedError)
  })

  it('keeps its nonce when authentication fails', () => {
    const sender = new CipherState(nodeCrypto, key)
    const receiver = new CipherState(nodeCrypto, key)
    const sealed = sender.encrypt(undefined, new Uint8Array([1]))
    const tampered = Uint8Array.from(sealed)
    tampered[0]! ^= 1
    expect(receiver.decrypt(undefined, tampered)).toBeUndefined()
    expect(receiver.counter).toBe(0n)
    expect(receiver.decrypt(undefined, sealed)?.[0]).toBe(1)
  })

  it('passes bytes through before it has a key (Noise 5.1)', () => {
    const state = new CipherState(nodeCrypto)
    expect(state.hasKey()).toBe(false)
    expect(Array.from(state.encrypt(new Uint8Array(2), new Uint8Array([5, 6])))).toEqual([5, 6])
    expect(Array.from(state.decrypt(undefined, new Uint8Array([7]))!)).toEqual([7])
  })

  it('rejects bad keys and nonces', () => {
    expect(() => new CipherState(nodeCrypto, new Uint8Array(16))).toThrow(RangeError)
    expect(() => new CipherState(nodeCrypto, key).setNonce(-1n)).toThrow(RangeError)
    expect(() => new CipherState(nodeCrypto, key).setNonce(1n << 64n)).toThrow(RangeError)
  })
})
