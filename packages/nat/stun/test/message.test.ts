import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  type Attribute,
  decodeMessage,
  encodeMessage,
  FingerprintMismatchError,
  findAttribute,
  IntegrityError,
  isStunMessage,
  MalformedMessageError,
  type Message,
  messageType,
  verifyIntegrity,
} from '../src/index.js'

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'))
}

// RFC 5769 §2.1: a sample request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT
const RFC5769_REQUEST = hex(`
  0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 0010 5354554e 20746573 7420636c 69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b1 51263b36
  0006 0009 6576746a 3a683676 59202020
  0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  8028 0004 e57a3bcf`)
// RFC 5769 §2.2: a sample IPv4 response
const RFC5769_RESPONSE = hex(`
  0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0008 0001a147 e112a643
  0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  8028 0004 c07d4c96`)
const PASSWORD = new TextEncoder().encode('VOkJxbRl1RmTxUk/WvJxBt')

describe('RFC 5769 test vectors', () => {
  it('decodes the sample request, checks its FINGERPRINT and MESSAGE-INTEGRITY', () => {
    const message = decodeMessage(RFC5769_REQUEST)
    expect(message).toMatchObject({ method: 1, class: 'request' })
    expect(findAttribute(message, 'software')?.value).toBe('STUN test client')
    expect(findAttribute(message, 'username')?.value).toBe('evtj:h6vY')
    expect(
      message.attributes.filter((a) => a.type === 'other').map((a) => a.type === 'other' && a.code),
    ).toEqual([0x0024, 0x8029])
    expect(verifyIntegrity(RFC5769_REQUEST, PASSWORD)).toBe('sha1')
    expect(() => verifyIntegrity(RFC5769_REQUEST, new TextEncoder().encode('wrong'))).toThrow(IntegrityError)
  })

  it('decodes the sample IPv4 response', () => {
    const message = decodeMessage(RFC5769_RESPONSE)
    expect(message.class).toBe('success')
    expect(findAttribute(message, 'xor-mapped-address')?.value).toEqual({
      family: 4,
      address: '192.0.2.1',
      port: 32853,
    })
    expect(verifyIntegrity(RFC5769_RESPONSE, PASSWORD)).toBe('sha1')
  })

  it('re-encodes the sample response to the same attributes and length', () => {
    const message = decodeMessage(RFC5769_RESPONSE)
    const body = message.attributes.filter((a) => a.type !== 'message-integrity' && a.type !== 'fingerprint')
    // the vector pads SOFTWARE with spaces, weft with zeros, so the HMAC and CRC differ; the rest must not
    const encoded = encodeMessage(
      { ...message, attributes: body },
      { integrity: { key: PASSWORD }, fingerprint: true },
    )
    expect(encoded.length).toBe(RFC5769_RESPONSE.length)
    expect(verifyIntegrity(encoded, PASSWORD)).toBe('sha1')
    const decoded = decodeMessage(encoded)
    expect(decoded.attributes.slice(0, 2)).toEqual(body)
    expect(decoded.attributes.map((a) => a.type)).toEqual(message.attributes.map((a) => a.type))
  })

  it('rejects a flipped bit with FingerprintMismatchError', () => {
    const bytes = RFC5769_RESPONSE.slice()
    bytes[30] ^= 1
    expect(() => decodeMessage(bytes)).toThrow(FingerprintMismatchError)
  })
})

describe('the header', () => {
  it('interleaves method and class bits (RFC 8489 §5)', () => {
    expect(messageType(0x001, 'request')).toBe(0x0001)
    expect(messageType(0x001, 'success')).toBe(0x0101)
    expect(messageType(0x001, 'error')).toBe(0x0111)
    expect(messageType(0x001, 'indication')).toBe(0x0011)
    expect(messageType(0xfff, 'error')).toBe(0x3fff)
  })

  it('tells STUN datagrams apart', () => {
    expect(isStunMessage(RFC5769_REQUEST)).toBe(true)
    expect(isStunMessage(RFC5769_REQUEST.subarray(0, 40))).toBe(false)
    const quic = RFC5769_REQUEST.slice()
    quic[0] = 0xc0
    expect(isStunMessage(quic)).toBe(false)
  })

  it.each([
    ['too short', hex('0001 0000 2112a442')],
    ['bad cookie', hex('0001 0000 2112a443 000000000000000000000000')],
    ['length not a multiple of 4', hex('0001 0002 2112a442 000000000000000000000000 0000')],
    ['length past the end', hex('0001 0008 2112a442 000000000000000000000000 00010008')],
    ['attribute past the end', hex('0001 0004 2112a442 000000000000000000000000 00010008')],
    ['first bits set', hex('4001 0000 2112a442 000000000000000000000000')],
    ['bad address family', hex('0101 000c 2112a442 000000000000000000000000 00010008 00030000 00000000')],
    [
      'attribute after FINGERPRINT',
      hex('0101 000c 2112a442 000000000000000000000000 80280004 00000000 80220000'),
    ],
  ])('%s is a MalformedMessageError or a FingerprintMismatchError', (_, bytes) => {
    expect(() => decodeMessage(bytes)).toThrow(
      /MalformedMessageError|FINGERPRINT|bytes|cookie|bits|length|family/,
    )
    try {
      decodeMessage(bytes)
    } catch (err) {
      expect(err instanceof MalformedMessageError || err instanceof FingerprintMismatchError).toBe(true)
    }
  })

  it('bounds the number of attributes', () => {
    const attributes: Attribute[] = Array.from({ length: 65 }, () => ({ type: 'padding', length: 0 }))
    const bytes = encodeMessage({
      method: 1,
      class: 'request',
      transactionId: new Uint8Array(12),
      attributes,
    })
    expect(() => decodeMessage(bytes)).toThrow(MalformedMessageError)
    expect(decodeMessage(bytes, { maxAttributes: 65 }).attributes).toHaveLength(65)
  })

  it('ignores attributes after MESSAGE-INTEGRITY except FINGERPRINT', () => {
    const bytes = encodeMessage(
      { method: 1, class: 'request', transactionId: new Uint8Array(12), attributes: [] },
      { integrity: { key: PASSWORD } },
    )
    const withTail = encodeMessage({
      ...decodeMessage(bytes),
      attributes: [...decodeMessage(bytes).attributes, { type: 'software', value: 'late' }],
    })
    expect(decodeMessage(withTail).attributes.map((a) => a.type)).toEqual(['message-integrity'])
  })

  it('signs with MESSAGE-INTEGRITY-SHA256', () => {
    const bytes = encodeMessage(
      { method: 1, class: 'request', transactionId: new Uint8Array(12).fill(7), attributes: [] },
      { integrity: { key: PASSWORD, algorithm: 'sha256' }, fingerprint: true },
    )
    expect(verifyIntegrity(bytes, PASSWORD)).toBe('sha256')
    expect(() => verifyIntegrity(bytes, new Uint8Array(3))).toThrow(IntegrityError)
  })
})

const ipv4 = fc.ipV4()
const ipv6 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.map((g) => g.toString(16)).join(':'))
const port = fc.integer({ min: 0, max: 0xffff })
const address = fc.oneof(
  fc.record({ family: fc.constant(4 as const), address: ipv4, port }),
  fc.record({ family: fc.constant(6 as const), address: ipv6, port }),
)
const attribute: fc.Arbitrary<Attribute> = fc.oneof(
  address.map((value) => ({ type: 'xor-mapped-address' as const, value })),
  address.map((value) => ({ type: 'mapped-address' as const, value })),
  address.map((value) => ({ type: 'response-origin' as const, value })),
  address.map((value) => ({ type: 'other-address' as const, value })),
  fc.record({
    type: fc.constant('change-request' as const),
    changeIp: fc.boolean(),
    changePort: fc.boolean(),
  }),
  fc.record({ type: fc.constant('response-port' as const), port }),
  fc.record({ type: fc.constant('padding' as const), length: fc.integer({ min: 0, max: 64 }) }),
  fc.record({
    type: fc.constant('error-code' as const),
    code: fc.integer({ min: 300, max: 699 }),
    reason: fc.string({ maxLength: 40 }),
  }),
  fc.record({
    type: fc.constant('unknown-attributes' as const),
    types: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }),
  }),
  fc.record({ type: fc.constant('software' as const), value: fc.string({ maxLength: 60 }) }),
  fc.record({
    type: fc.constant('other' as const),
    code: fc.integer({ min: 0xc000, max: 0xffff }),
    value: fc.uint8Array({ maxLength: 40 }),
  }),
)
const message: fc.Arbitrary<Message> = fc.record({
  method: fc.integer({ min: 0, max: 0xfff }),
  class: fc.constantFrom('request' as const, 'indication' as const, 'success' as const, 'error' as const),
  transactionId: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  attributes: fc.array(attribute, { maxLength: 12 }),
})

function typedOnly(err: unknown): boolean {
  return err instanceof MalformedMessageError || err instanceof FingerprintMismatchError
}

describe('properties', () => {
  it('encode then decode round-trips (bytes stable, IPv4 values equal)', () => {
    fc.assert(
      fc.property(message, fc.boolean(), (m, fingerprint) => {
        const bytes = encodeMessage(m, { fingerprint })
        const decoded = decodeMessage(bytes)
        const again = encodeMessage(
          {
            ...decoded,
            attributes: decoded.attributes.filter((a) => a.type !== 'fingerprint'),
          },
          { fingerprint },
        )
        expect(again).toEqual(bytes)
        expect(decoded.method).toBe(m.method)
        expect(decoded.class).toBe(m.class)
        const v4Only = m.attributes.every(
          (a) =>
            !('value' in a) || typeof a.value !== 'object' || !('family' in a.value) || a.value.family === 4,
        )
        if (v4Only) expect(decoded.attributes.filter((a) => a.type !== 'fingerprint')).toEqual(m.attributes)
      }),
      { numRuns: 500 },
    )
  })

  it('decode never throws anything but a typed error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes)
        } catch (err) {
          if (!typedOnly(err)) throw err
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('decode never throws anything but a typed error on valid headers with random bodies', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x3fff }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 0xffff }),
            fc.uint8Array({ maxLength: 24 }),
            fc.integer({ min: -2, max: 2 }),
          ),
          { maxLength: 8 },
        ),
        (type, id, tlvs) => {
          const body = tlvs.flatMap(([code, value, skew]) => {
            const length = Math.max(0, value.length + skew)
            const padded = new Uint8Array((value.length + 3) & ~3)
            padded.set(value)
            return [code >> 8, code & 0xff, length >> 8, length & 0xff, ...padded]
          })
          const bytes = Uint8Array.from([
            type >> 8,
            type & 0xff,
            body.length >> 8,
            body.length & 0xff,
            0x21,
            0x12,
            0xa4,
            0x42,
            ...id,
            ...body,
          ])
          try {
            decodeMessage(bytes)
          } catch (err) {
            if (!typedOnly(err)) throw err
          }
          try {
            verifyIntegrity(bytes, PASSWORD)
          } catch (err) {
            if (!typedOnly(err) && !(err instanceof IntegrityError)) throw err
          }
        },
      ),
      { numRuns: 3000 },
    )
  })
})
