import type { Record } from '@libp2p/interface'
import { generateKeyPair, type KeyType, publicKeyToProtobuf } from '@weft/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import {
  InvalidEnvelopeError,
  InvalidSignatureError,
  LimitExceededError,
  MAX_ENVELOPE_SIZE,
  RecordEnvelope,
} from '../src/index.js'

/** A minimal record type: the payload is the text itself. */
class NoteRecord implements Record {
  readonly domain = 'weft-test-note'
  readonly codec = new Uint8Array([0x2f, 0x6e]) // '/n', a path-style payload type
  constructor(readonly text: string) {}
  marshal(): Uint8Array {
    return new TextEncoder().encode(this.text)
  }
  equals(other: Record): boolean {
    return other instanceof NoteRecord && other.text === this.text
  }
}

const keyTypes: KeyType[] = ['Ed25519', 'secp256k1', 'ECDSA', 'RSA']

describe.each(keyTypes)('envelopes signed with %s keys', (type) => {
  it('seal → marshal → openAndCertify round trip', async () => {
    const key = await generateKeyPair(type)
    const record = new NoteRecord('hello envelope')
    const envelope = await RecordEnvelope.seal(record, key)
    const opened = await RecordEnvelope.openAndCertify(envelope.marshal(), record.domain)
    expect(opened.equals(envelope)).toBe(true)
    expect(opened.publicKey.equals(key.publicKey)).toBe(true)
    expect(new TextDecoder().decode(opened.payload)).toBe('hello envelope')
    expect(opened.payloadType).toEqual(record.codec)
    expect(opened.marshal()).toEqual(envelope.marshal())
    expect(await opened.validate(record.domain)).toBe(true)
  })

  it('rejects a tampered payload and a wrong domain with InvalidSignatureError', async () => {
    const key = await generateKeyPair(type)
    const record = new NoteRecord('pay me 10')
    const envelope = await RecordEnvelope.seal(record, key)
    const tampered = new RecordEnvelope({ ...envelope, payload: new TextEncoder().encode('pay me 99') })
    await expect(RecordEnvelope.openAndCertify(tampered.marshal(), record.domain)).rejects.toThrow(
      InvalidSignatureError,
    )
    await expect(RecordEnvelope.openAndCertify(envelope.marshal(), 'libp2p-peer-record')).rejects.toThrow(
      InvalidSignatureError,
    )
    expect(await envelope.validate('weft-test-notes')).toBe(false)
  })
})

describe('envelope integrity', () => {
  it('rejects a changed payload type, signature or signer', async () => {
    const key = await generateKeyPair('Ed25519')
    const other = await generateKeyPair('Ed25519')
    const record = new NoteRecord('x')
    const envelope = await RecordEnvelope.seal(record, key)
    const signature = envelope.signature.slice()
    signature[10]! ^= 1
    for (const forged of [
      new RecordEnvelope({ ...envelope, payloadType: new Uint8Array([0x03, 0x01]) }),
      new RecordEnvelope({ ...envelope, signature }),
      new RecordEnvelope({ ...envelope, publicKey: other.publicKey }),
      new RecordEnvelope({ ...envelope, signature: new Uint8Array(0) }),
    ]) {
      await expect(RecordEnvelope.openAndCertify(forged.marshal(), record.domain)).rejects.toThrow(
        InvalidSignatureError,
      )
    }
  })

  it('flipping any byte of a marshalled envelope never yields a valid different envelope', async () => {
    const key = await generateKeyPair('Ed25519')
    const record = new NoteRecord('bit flips')
    const bytes = (await RecordEnvelope.seal(record, key)).marshal()
    for (let index = 0; index < bytes.byteLength; index++) {
      const corrupt = bytes.slice()
      corrupt[index]! ^= 0x04
      try {
        const opened = await RecordEnvelope.openAndCertify(corrupt, record.domain)
        // a flip inside a skipped unknown field could survive; the signed content must not change
        expect(opened.payload).toEqual(record.marshal())
      } catch (err) {
        expect(['InvalidSignatureError', 'InvalidEnvelopeError', 'LimitExceededError']).toContain(
          (err as Error).name,
        )
      }
    }
  })

  it('decodes from a Uint8ArrayList and skips unknown fields', async () => {
    const key = await generateKeyPair('Ed25519')
    const envelope = await RecordEnvelope.seal(new NoteRecord('list'), key)
    const bytes = envelope.marshal()
    const list = new Uint8ArrayList(bytes.subarray(0, 7), bytes.subarray(7))
    expect((await RecordEnvelope.openAndCertify(list, 'weft-test-note')).equals(envelope)).toBe(true)
    const extended = new Uint8Array([...bytes, 0x30, 0x07, 0x3a, 0x01, 0xff])
    expect(RecordEnvelope.createFromProtobuf(extended).equals(envelope)).toBe(true)
  })

  it('encodes fields in tag order and omits empty ones', async () => {
    const key = await generateKeyPair('Ed25519')
    const publicKey = publicKeyToProtobuf(key.publicKey)
    const envelope = new RecordEnvelope({
      publicKey: key.publicKey,
      payloadType: new Uint8Array(0),
      payload: new Uint8Array(0),
      signature: new Uint8Array([9]),
    })
    expect(envelope.marshal()).toEqual(
      new Uint8Array([0x0a, publicKey.byteLength, ...publicKey, 0x2a, 0x01, 9]),
    )
  })

  it('compares envelopes field by field', async () => {
    const key = await generateKeyPair('Ed25519')
    const a = await RecordEnvelope.seal(new NoteRecord('a'), key)
    const b = await RecordEnvelope.seal(new NoteRecord('b'), key)
    expect(a.equals(RecordEnvelope.createFromProtobuf(a.marshal()))).toBe(true)
    expect(a.equals(b)).toBe(false)
    expect(a.equals(undefined)).toBe(false)
  })

  it('honours an aborted signal', async () => {
    const key = await generateKeyPair('Ed25519')
    const signal = AbortSignal.abort()
    await expect(RecordEnvelope.seal(new NoteRecord('x'), key, { signal })).rejects.toThrow()
    const bytes = (await RecordEnvelope.seal(new NoteRecord('x'), key)).marshal()
    await expect(RecordEnvelope.openAndCertify(bytes, 'weft-test-note', { signal })).rejects.toThrow()
  })
})

describe('malformed envelopes', () => {
  it('refuses truncations with typed errors', async () => {
    const key = await generateKeyPair('secp256k1')
    const bytes = (await RecordEnvelope.seal(new NoteRecord('truncate me'), key)).marshal()
    for (let length = 0; length < bytes.byteLength; length++) {
      const cut = bytes.subarray(0, length)
      await expect(RecordEnvelope.openAndCertify(cut, 'weft-test-note')).rejects.toThrow(
        expect.objectContaining({
          name: expect.stringMatching(/^(InvalidEnvelopeError|InvalidSignatureError)$/),
        }),
      )
    }
  })

  it('names the problem', () => {
    expect(() => RecordEnvelope.createFromProtobuf(new Uint8Array([0x1a, 0x01, 0x00]))).toThrow(
      /missing public_key/,
    )
    expect(() => RecordEnvelope.createFromProtobuf(new Uint8Array([0x0a, 0x02, 0x08, 0x01]))).toThrow(
      InvalidEnvelopeError,
    )
    expect(() => RecordEnvelope.createFromProtobuf(new Uint8Array([0x08, 0x01]))).toThrow(/length-delimited/)
    expect(() =>
      RecordEnvelope.createFromProtobuf(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])),
    ).toThrow(/announces/)
    expect(() => RecordEnvelope.createFromProtobuf(new Uint8Array(12).fill(0xff))).toThrow(
      InvalidEnvelopeError,
    )
  })

  it('refuses oversized envelopes and field floods with LimitExceededError', () => {
    expect(() => RecordEnvelope.createFromProtobuf(new Uint8Array(MAX_ENVELOPE_SIZE + 1))).toThrow(
      LimitExceededError,
    )
    expect(() => RecordEnvelope.createFromProtobuf(new Uint8Array(100), { maxSize: 99 })).toThrow(
      LimitExceededError,
    )
    const flood = new Uint8Array(2 * 1000)
    for (let i = 0; i < flood.length; i += 2) flood[i] = 0x30 // field 6, varint 0
    expect(() => RecordEnvelope.createFromProtobuf(flood)).toThrow(LimitExceededError)
  })
})
