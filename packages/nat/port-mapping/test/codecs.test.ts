import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseProcNetRoute } from '../src/default-gateway.js'
import { EpochTracker } from '../src/epoch.js'
import { InvalidResponseError, UnsupportedVersionError } from '../src/errors.js'
import {
  decodeExternalAddressAnswer,
  decodeMapAnswer as decodePmpMap,
  encodeExternalAddressRequest,
  encodeMapRequest as encodePmpMap,
  epochRegressed,
  retransmissionDelays,
} from '../src/nat-pmp-codec.js'
import {
  addressBytes,
  addressText,
  decodeMapAnswer as decodePcpMap,
  encodeMapRequest as encodePcpMap,
} from '../src/pcp-codec.js'

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s/g, ''), 'hex'))

describe('NAT-PMP codec (RFC 6886)', () => {
  it('encodes requests per §3.2 and §3.3', () => {
    expect(Buffer.from(encodeExternalAddressRequest()).toString('hex')).toBe('0000')
    expect(Buffer.from(encodePmpMap('tcp', 4001, 4001, 7200)).toString('hex')).toBe(
      '000200000fa10fa100001c20',
    )
    expect(Buffer.from(encodePmpMap('udp', 53, 0, 0)).toString('hex')).toBe('000100000035000000000000')
    expect(() => encodePmpMap('udp', 0, 0, 0)).toThrow(RangeError)
  })

  it('decodes answers', () => {
    expect(decodeExternalAddressAnswer(hex('0080 0000 000003e8 cb007107'))).toEqual({
      opcode: 0,
      result: 0,
      epoch: 1000,
      externalAddress: '203.0.113.7',
    })
    expect(decodePmpMap(hex('0082 0000 000003e8 0fa1 4e21 00001c20'), 'tcp')).toEqual({
      opcode: 2,
      result: 0,
      epoch: 1000,
      internalPort: 4001,
      externalPort: 20001,
      lifetime: 7200,
    })
    expect(decodePmpMap(hex('0081 0002 00000001'), 'udp').result).toBe(2)
  })

  it('refuses malformed answers with InvalidResponseError', () => {
    expect(() => decodeExternalAddressAnswer(hex('0080'))).toThrow(InvalidResponseError)
    expect(() => decodeExternalAddressAnswer(hex('0180 0000 00000000 01020304'))).toThrow(
      InvalidResponseError,
    )
    expect(() => decodePmpMap(hex('0081 0000 000003e8 0fa1 4e21 00001c20'), 'tcp')).toThrow(
      InvalidResponseError,
    )
    expect(() => decodePmpMap(hex('0082 0000 000003e8 0fa1'), 'tcp')).toThrow(InvalidResponseError)
  })

  it('any bytes decode or fail with InvalidResponseError (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const decode of [decodeExternalAddressAnswer, (b: Uint8Array) => decodePmpMap(b, 'udp')]) {
          try {
            decode(bytes)
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidResponseError)
          }
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('retransmits on 250 ms doubling, 9 tries (§3.1)', () => {
    expect(retransmissionDelays()).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000])
    expect(() => retransmissionDelays(250, 0)).toThrow(RangeError)
  })

  it('sees a restarted gateway from its epoch (§3.6)', () => {
    expect(epochRegressed(1000, 1010, 10_000)).toBe(false)
    expect(epochRegressed(1000, 1000, 1_000)).toBe(false)
    expect(epochRegressed(1000, 5, 10_000)).toBe(true)
    // the epoch stood still while 60 s passed: the gateway lost its state
    expect(epochRegressed(1000, 1000, 60_000)).toBe(true)
    let now = 0
    const tracker = new EpochTracker(() => now)
    expect(tracker.observe(100)).toBe(false)
    now = 30_000
    expect(tracker.observe(130)).toBe(false)
    now = 60_000
    expect(tracker.observe(3)).toBe(true)
  })
})

describe('PCP codec (RFC 6887)', () => {
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => i + 1)

  it('encodes a MAP request (§7.1, §11.1)', () => {
    const packet = encodePcpMap({
      nonce,
      protocol: 'udp',
      internalPort: 4001,
      suggestedExternalPort: 4001,
      suggestedExternalAddress: '',
      lifetime: 3600,
      clientAddress: '192.168.1.20',
    })
    expect(packet.byteLength).toBe(60)
    expect(Buffer.from(packet.subarray(0, 8)).toString('hex')).toBe('0201000000000e10')
    expect(addressText(packet.subarray(8, 24))).toBe('192.168.1.20')
    expect(packet.subarray(24, 36)).toEqual(nonce)
    expect(packet[36]).toBe(17)
    expect(Buffer.from(packet.subarray(40, 44)).toString('hex')).toBe('0fa10fa1')
    expect(addressText(packet.subarray(44, 60))).toBe('0.0.0.0')
  })

  it('decodes a MAP answer and falls back on a NAT-PMP-shaped or UNSUPP_VERSION answer', () => {
    const answer = new Uint8Array(60)
    answer.set([2, 0x81, 0, 0, 0, 0, 0x0e, 0x10, 0, 0, 0x03, 0xe8], 0)
    answer.set(nonce, 24)
    answer.set([6, 0, 0, 0, 0x0f, 0xa1, 0x4e, 0x21], 36)
    answer.set(addressBytes('203.0.113.9'), 44)
    expect(decodePcpMap(answer)).toMatchObject({
      result: 0,
      lifetime: 3600,
      epoch: 1000,
      protocol: 6,
      internalPort: 4001,
      externalPort: 20001,
      externalAddress: '203.0.113.9',
    })
    expect(() => decodePcpMap(hex('0081 0001 000003e8'))).toThrow(UnsupportedVersionError)
    const unsupported = answer.slice()
    unsupported[3] = 1
    expect(() => decodePcpMap(unsupported)).toThrow(UnsupportedVersionError)
    expect(() => decodePcpMap(answer.subarray(0, 30))).toThrow(InvalidResponseError)
  })

  it('any bytes decode or fail with a typed error (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        try {
          decodePcpMap(bytes)
        } catch (err) {
          expect(err instanceof InvalidResponseError || err instanceof UnsupportedVersionError).toBe(true)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it('round-trips addresses (property)', () => {
    fc.assert(fc.property(fc.ipV4(), (ip) => addressText(addressBytes(ip)) === ip))
    expect(addressText(addressBytes('fd00::1'))).toBe('fd00::1')
    expect(addressText(addressBytes('2001:db8:0:1::5'))).toBe('2001:db8:0:1::5')
  })
})

describe('default gateway', () => {
  it('reads the default route from /proc/net/route', () => {
    const text = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
`
    expect(parseProcNetRoute(text)).toBe('192.168.1.1')
    expect(parseProcNetRoute('Iface\n')).toBeUndefined()
  })
})
