import { describe, expect, it } from 'vitest'
import { decodeIdentify, encodeIdentify, type IdentifyMessage, mergeIdentify } from './message.js'

const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value.replace(/\s+/g, ''), 'hex'))
const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value)

// Every field set; bytes cross-checked against protobufjs encoding the spec's .proto
const full: IdentifyMessage = {
  publicKey: hex('08011220' + '07'.repeat(32)),
  listenAddrs: [hex('047f000001061001')], // /ip4/127.0.0.1/tcp/4097
  protocols: ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'],
  observedAddr: hex('047f000001063039'), // /ip4/127.0.0.1/tcp/12345
  protocolVersion: 'ipfs/0.1.0',
  agentVersion: 'weft/0.1.0',
  signedPeerRecord: hex('010203'),
}
const fullBytes = hex(`
  0a24 08011220 ${'07'.repeat(32)}
  1208 047f000001061001
  1a0e ${Buffer.from('/ipfs/id/1.0.0').toString('hex')}
  1a10 ${Buffer.from('/ipfs/ping/1.0.0').toString('hex')}
  2208 047f000001063039
  2a0a ${Buffer.from('ipfs/0.1.0').toString('hex')}
  320a ${Buffer.from('weft/0.1.0').toString('hex')}
  4203 010203`)

describe('Identify message codec', () => {
  it('encodes every field in field order, as reference encoders do', () => {
    expect(encodeIdentify(full)).toEqual(fullBytes)
  })

  it('decodes what it encodes', () => {
    expect(decodeIdentify(fullBytes)).toEqual(full)
  })

  it('encodes an empty message as zero bytes and decodes it back', () => {
    expect(encodeIdentify({ listenAddrs: [], protocols: [] })).toEqual(new Uint8Array(0))
    expect(decodeIdentify(new Uint8Array(0))).toEqual({ listenAddrs: [], protocols: [] })
  })

  it('writes the varint length prefix in the same buffer when asked', () => {
    const framed = encodeIdentify(full, { lengthPrefixed: true })
    expect(fullBytes.byteLength).toBe(121)
    expect(framed[0]).toBe(121)
    expect(framed.subarray(1)).toEqual(fullBytes)
    const large = encodeIdentify({ listenAddrs: [], protocols: ['/'.repeat(200)] }, { lengthPrefixed: true })
    expect(large.subarray(0, 2)).toEqual(hex('cb01')) // 203 = 0x4b | 0x80, 0x01
    expect(large.byteLength).toBe(205)
  })

  it('keeps fields in any order and lets the last optional value win', () => {
    const bytes = hex(`2a01 61  1a01 78  2a01 62`)
    expect(decodeIdentify(bytes)).toEqual({ listenAddrs: [], protocols: ['x'], protocolVersion: 'b' })
  })

  it('skips unknown fields of every wire type, including 10-byte varints', () => {
    const bytes = hex(`
      38 ffffffffffffffffff01
      49 0102030405060708
      55 01020304
      7a03 010203
      a0 06 01
      2a01 61`)
    expect(decodeIdentify(bytes)).toEqual({ listenAddrs: [], protocols: [], protocolVersion: 'a' })
  })

  it('returns views into the input, not copies', () => {
    const decoded = decodeIdentify(fullBytes)
    expect(decoded.publicKey?.buffer).toBe(fullBytes.buffer)
  })

  it('replaces invalid UTF-8 instead of failing (proto2 strings are bytes)', () => {
    expect(decodeIdentify(hex('2a02 ff61')).protocolVersion).toBe('\ufffda')
  })

  it.each([
    ['a truncated tag', '8a'],
    ['a tag varint longer than 10 bytes', 'ffffffffffffffffffff01'],
    ['a length beyond the end', '0a05 0102'],
    ['a truncated length', '0a'],
    ['field number 0', '0201 00'],
    ['a known field with the wrong wire type', '08 01'],
    ['a group (wire type 3)', '7b'],
    ['wire type 7', '7f'],
    ['a truncated fixed64 field', '49 0102'],
    ['a truncated fixed32 field', '55 01'],
    ['a truncated unknown varint', '38 ff'],
    ['a length past 2^53', '0a ffffffffffffffff7f'],
  ])('rejects %s with InvalidMessageError', (_, input) => {
    expect(() => decodeIdentify(hex(input))).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
  })

  it('caps repeated fields', () => {
    const protocols = encodeIdentify({ listenAddrs: [], protocols: ['/a', '/b', '/c'] })
    expect(() => decodeIdentify(protocols, { maxProtocols: 2 })).toThrow(
      expect.objectContaining({ name: 'TooManyEntriesError', field: 'protocols', limit: 2 }),
    )
    const addrs = encodeIdentify({ listenAddrs: [utf8('x'), utf8('y')], protocols: [] })
    expect(() => decodeIdentify(addrs, { maxAddresses: 1 })).toThrow(
      expect.objectContaining({ name: 'TooManyEntriesError', field: 'listenAddrs' }),
    )
    expect(decodeIdentify(addrs, { maxAddresses: 2 }).listenAddrs).toHaveLength(2)
  })

  it('has 1024-entry default caps', () => {
    const many = encodeIdentify({
      listenAddrs: [],
      protocols: Array.from({ length: 1025 }, (_, i) => `/${i}`),
    })
    expect(() => decodeIdentify(many)).toThrow(expect.objectContaining({ name: 'TooManyEntriesError' }))
  })

  it('merges split messages as protobuf does, within the caps', () => {
    const first: IdentifyMessage = { ...full, signedPeerRecord: undefined }
    const second: IdentifyMessage = { listenAddrs: [], protocols: ['/extra'], signedPeerRecord: hex('0405') }
    const merged = mergeIdentify([first, second])
    expect(merged.signedPeerRecord).toEqual(hex('0405'))
    expect(merged.agentVersion).toBe('weft/0.1.0')
    expect(merged.protocols).toEqual([...full.protocols, '/extra'])
    expect(() => mergeIdentify([first, second], { maxProtocols: 2 })).toThrow(
      expect.objectContaining({ name: 'TooManyEntriesError' }),
    )
  })
})
