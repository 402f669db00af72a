import { describe, expect, it } from 'vitest'
import { decodeNodes, encodeNodes, ipBytes, ipText } from './address.js'
import { crc32c } from './crc32c.js'
import { commonPrefixLength, isLocalAddress, isSecureId, secureId } from './node-id.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

describe('crc32c', () => {
  it('matches the RFC 3720 check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa)
  })
})

describe('BEP42 secure ids', () => {
  // the test vectors of BEP42: IP, rand, the first 21 bits (as 3 bytes with the low bits of the third masked)
  const vectors: Array<[string, number, string]> = [
    ['124.31.75.21', 1, '5fbfb8'],
    ['21.75.31.124', 86, '5a3ce8'],
    ['65.23.51.170', 22, 'a5d430'],
    ['84.124.73.14', 65, '1b0320'],
    ['43.213.53.83', 90, 'e56f68'],
  ]
  for (const [ip, rand, prefix] of vectors) {
    it(`derives ${prefix} for ${ip} with rand ${rand}`, () => {
      const id = secureId(ip, rand)
      expect(hex(id.subarray(0, 3)).slice(0, 4)).toBe(prefix.slice(0, 4))
      expect((id[2] as number) & 0xf8).toBe(Number.parseInt(prefix.slice(4), 16) & 0xf8)
      expect(id[19]).toBe(rand)
      expect(isSecureId(id, ip)).toBe(true)
      expect(isSecureId(id, '1.2.3.4')).toBe(false)
    })
  }

  it('accepts the vector ids and rejects a flipped bit', () => {
    const id = Buffer.from('5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401', 'hex')
    expect(isSecureId(id, '124.31.75.21')).toBe(true)
    id[1] = (id[1] as number) ^ 1
    expect(isSecureId(id, '124.31.75.21')).toBe(false)
  })

  it('derives IPv6 ids and exempts local addresses', () => {
    const id = secureId('2001:db8::1')
    expect(isSecureId(id, '2001:db8::1')).toBe(true)
    expect(isSecureId(id, '2001:db9::1')).toBe(false)
    for (const host of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.1',
      '172.20.0.1',
      '169.254.1.1',
      '::1',
      'fd00::1',
      'fe80::1',
    ]) {
      expect(isLocalAddress(host)).toBe(true)
      expect(isSecureId(new Uint8Array(20), host)).toBe(true)
    }
    expect(isLocalAddress('8.8.8.8')).toBe(false)
  })
})

describe('addresses', () => {
  it('converts IPv4 and IPv6 text and bytes', () => {
    expect(ipText(ipBytes('1.2.3.4') as Uint8Array)).toBe('1.2.3.4')
    expect(ipText(ipBytes('2001:db8::ff00:42:8329') as Uint8Array)).toBe('2001:db8::ff00:42:8329')
    expect(ipText(ipBytes('::1') as Uint8Array)).toBe('::1')
    expect(ipText(ipBytes('::ffff:1.2.3.4') as Uint8Array)).toBe('::ffff:102:304')
    expect(ipBytes('example.com')).toBeUndefined()
  })

  it('round-trips compact node info of both families, skipping port 0 and ragged input', () => {
    const nodes = [
      { id: new Uint8Array(20).fill(1), host: '1.2.3.4', port: 6881 },
      { id: new Uint8Array(20).fill(2), host: '2001:db8::1', port: 6882 },
      { id: new Uint8Array(20).fill(3), host: '5.6.7.8', port: 0 },
    ]
    expect(decodeNodes(encodeNodes(nodes, 4), 4)).toEqual([nodes[0]])
    expect(decodeNodes(encodeNodes(nodes, 6), 6)).toEqual([nodes[1]])
    expect(decodeNodes(new Uint8Array(27), 4)).toEqual([])
  })

  it('counts common prefix bits', () => {
    const a = new Uint8Array(20)
    const b = new Uint8Array(20)
    expect(commonPrefixLength(a, b)).toBe(160)
    b[2] = 0x10
    expect(commonPrefixLength(a, b)).toBe(19)
  })
})
