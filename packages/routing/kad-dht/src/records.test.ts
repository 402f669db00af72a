import { generateKeyPair, publicKeyToProtobuf, sha256 } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { describe, expect, it } from 'vitest'
import { InvalidRecordError } from './errors.js'
import {
  defaultSelectors,
  defaultValidators,
  namespaceOf,
  selectRecord,
  validatePublicKeyRecord,
  validateRecord,
} from './records.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a)
  out.set(b, a.byteLength)
  return out
}

describe('records', () => {
  it('reads the namespace of a key', () => {
    expect(namespaceOf(text('/pk/abc'))).toBe('pk')
    expect(namespaceOf(text('/ipns/x/y'))).toBe('ipns')
    for (const bad of ['pk/abc', '/pk', '//abc', '', `/${'x'.repeat(70)}/a`]) {
      expect(() => namespaceOf(text(bad))).toThrow(InvalidRecordError)
    }
  })

  it('accepts a /pk/ record keyed by the peer id multihash of the key', async () => {
    for (const type of ['Ed25519', 'secp256k1'] as const) {
      const key = await generateKeyPair(type)
      const value = publicKeyToProtobuf(key.publicKey)
      validatePublicKeyRecord(concat(text('/pk/'), peerIdFromPrivateKey(key).toMultihash().bytes), value)
      // a SHA-256 of the key is not its (identity) peer id
      const sha = concat(new Uint8Array([0x12, 0x20]), sha256(value))
      expect(() => validatePublicKeyRecord(concat(text('/pk/'), sha), value)).toThrow(InvalidRecordError)
    }
  })

  it('rejects a /pk/ record for another key, or with a value that is not a key', async () => {
    const a = await generateKeyPair('Ed25519')
    const b = await generateKeyPair('Ed25519')
    const keyA = concat(text('/pk/'), peerIdFromPrivateKey(a).toMultihash().bytes)
    expect(() => validatePublicKeyRecord(keyA, publicKeyToProtobuf(b.publicKey))).toThrow(InvalidRecordError)
    expect(() => validatePublicKeyRecord(keyA, text('not a key'))).toThrow(InvalidRecordError)
    expect(() => validatePublicKeyRecord(text('/ipns/x'), publicKeyToProtobuf(a.publicKey))).toThrow(
      InvalidRecordError,
    )
  })

  it('runs pluggable validators and selectors by namespace', async () => {
    const validators = {
      ...defaultValidators(),
      app: (_key: Uint8Array, value: Uint8Array) => {
        if (value[0] !== 1) throw new Error('must start with 1')
      },
    }
    await validateRecord(validators, text('/app/k'), new Uint8Array([1, 5]))
    await expect(validateRecord(validators, text('/app/k'), new Uint8Array([2]))).rejects.toThrow(
      InvalidRecordError,
    )
    await expect(validateRecord(validators, text('/other/k'), new Uint8Array([1]))).rejects.toThrow(
      /no validator/,
    )
    const selectors = {
      ...defaultSelectors(),
      app: (_key: Uint8Array, values: Uint8Array[]) => values.length - 1,
    }
    expect(selectRecord(selectors, text('/app/k'), [text('a'), text('b'), text('c')])).toBe(2)
    expect(selectRecord(selectors, text('/pk/k'), [text('a'), text('b')])).toBe(0)
    const broken = { app: () => 7 }
    expect(() => selectRecord(broken, text('/app/k'), [text('a'), text('b')])).toThrow(InvalidRecordError)
    expect(() => selectRecord(selectors, text('/app/k'), [])).toThrow(RangeError)
  })
})
