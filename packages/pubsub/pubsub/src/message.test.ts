import { generateKeyPair, publicKeyToProtobuf } from '@weft/crypto'
import { peerIdFromPrivateKey } from '@weft/peer-id'
import { concatBytes } from '@weft/utils'
import { describe, expect, it } from 'vitest'
import {
  AuthorCache,
  buildMessage,
  defaultMsgId,
  msgIdToString,
  publicKeyMsgId,
  SIGN_PREFIX,
  StrictNoSign,
  StrictSign,
  seqnoBytes,
  signingBytes,
  validateMessage,
} from './message.js'
import { RPC } from './rpc.pb.js'

async function signed(data = Uint8Array.of(1, 2, 3)) {
  const key = await generateKeyPair('Ed25519')
  const peerId = peerIdFromPrivateKey(key)
  return { key, peerId, ...(await buildMessage(StrictSign, key, peerId, 'topic', data, 42n)) }
}

describe('message signing (pubsub/README.md "Message Signing")', () => {
  it('signs "libp2p-pubsub:" + the message without signature and key', async () => {
    const { raw, key } = await signed()
    const expected = concatBytes([
      SIGN_PREFIX,
      RPC.Message.encode({ from: raw.from, data: raw.data, seqno: raw.seqno, topic: raw.topic }),
    ])
    expect(signingBytes(raw)).toEqual(expected)
    expect(await key.publicKey.verify(expected, raw.signature!)).toBe(true)
    expect(raw.seqno).toEqual(seqnoBytes(42n))
    expect(raw.key).toBeUndefined() // an Ed25519 peer id carries its key
  })

  it('accepts a valid signed message and rebuilds its fields', async () => {
    const { raw, peerId } = await signed()
    const result = await validateMessage(StrictSign, raw)
    expect('message' in result && result.message.type === 'signed').toBe(true)
    if ('message' in result && result.message.type === 'signed') {
      expect(result.message.from.equals(peerId)).toBe(true)
      expect(result.message.sequenceNumber).toBe(42n)
      expect(result.message.data).toEqual(Uint8Array.of(1, 2, 3))
    }
  })

  it("accepts a seqno shorter than 8 bytes, as js-libp2p's floodsub sends one in 256", async () => {
    const key = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(key)
    // 0x00ab…: js-libp2p encodes the integer without its leading zero byte
    const raw: RPC.Message = {
      from: peerId.toMultihash().bytes as Uint8Array<ArrayBuffer>,
      data: Uint8Array.of(7),
      seqno: Uint8Array.of(0xab, 1, 2, 3, 4, 5, 6),
      topic: 'topic',
    }
    raw.signature = (await key.sign(signingBytes(raw))) as Uint8Array<ArrayBuffer>
    const result = await validateMessage(StrictSign, raw)
    expect('message' in result && result.message.type === 'signed').toBe(true)
    if (!('message' in result) || result.message.type !== 'signed') return
    expect(result.message.sequenceNumber).toBe(0xab010203040506n)
    // the id is the 8-byte seqno, as js-libp2p pads it for its own ids
    expect(defaultMsgId(result.message)).toEqual(
      concatBytes([peerId.toMultihash().bytes, Uint8Array.of(0, 0xab, 1, 2, 3, 4, 5, 6)]),
    )
  })

  it('rejects tampering and missing fields with a reason', async () => {
    const { raw } = await signed()
    const other = await signed()
    const cases: Array<[RPC.Message, string]> = [
      [{ ...raw, data: Uint8Array.of(9) }, 'invalid-signature'],
      [{ ...raw, signature: undefined }, 'missing-signature'],
      [{ ...raw, seqno: undefined }, 'missing-seqno'],
      [{ ...raw, seqno: new Uint8Array(9) }, 'invalid-seqno'],
      [{ ...raw, seqno: new Uint8Array(0) }, 'invalid-seqno'],
      [{ ...raw, from: undefined }, 'missing-from'],
      [{ ...raw, from: Uint8Array.of(1, 2, 3) }, 'invalid-peer-id'],
      [{ ...raw, topic: undefined }, 'missing-topic'],
      [{ ...raw, key: Uint8Array.of(1, 2) }, 'invalid-key'],
      [{ ...raw, key: publicKeyToProtobuf(other.key.publicKey) as Uint8Array<ArrayBuffer> }, 'key-mismatch'],
    ]
    for (const [message, failure] of cases)
      expect(await validateMessage(StrictSign, message)).toEqual({ failure })
  })

  it('StrictNoSign sends bare messages and refuses author fields', async () => {
    const key = await generateKeyPair('Ed25519')
    const { raw, message } = await buildMessage(
      StrictNoSign,
      key,
      peerIdFromPrivateKey(key),
      't',
      Uint8Array.of(5),
      1n,
    )
    expect(raw).toEqual({ topic: 't', data: Uint8Array.of(5) })
    expect(message).toEqual({ type: 'unsigned', topic: 't', data: Uint8Array.of(5) })
    expect(await validateMessage(StrictNoSign, raw)).toEqual({ message })
    const { raw: signedRaw } = await signed()
    expect(await validateMessage(StrictNoSign, signedRaw)).toEqual({ failure: 'signature-present' })
    expect(await validateMessage(StrictSign, raw)).toEqual({ failure: 'missing-seqno' })
  })

  it('computes the default id from from + seqno, and the js-compatible one from the key', async () => {
    const { message, peerId, key } = await signed()
    expect(defaultMsgId(message)).toEqual(concatBytes([peerId.toMultihash().bytes, seqnoBytes(42n)]))
    expect(publicKeyMsgId(message)).toEqual(
      concatBytes([publicKeyToProtobuf(key.publicKey), seqnoBytes(42n)]),
    )
    expect(msgIdToString(Uint8Array.of(0, 15, 255))).toBe('000fff')
    expect(defaultMsgId({ type: 'unsigned', topic: 't', data: Uint8Array.of(1) }).byteLength).toBe(32)
  })

  it('caches authors, still checking a carried key', async () => {
    const cache = new AuthorCache(2)
    const { raw } = await signed()
    expect('message' in (await validateMessage(StrictSign, raw, cache))).toBe(true)
    expect(cache.size).toBe(1)
    expect('message' in (await validateMessage(StrictSign, raw, cache))).toBe(true)
    expect(await validateMessage(StrictSign, { ...raw, data: Uint8Array.of(0) }, cache)).toEqual({
      failure: 'invalid-signature',
    })
    for (let i = 0; i < 3; i++) await validateMessage(StrictSign, (await signed()).raw, cache)
    expect(cache.size).toBe(2)
  })
})
