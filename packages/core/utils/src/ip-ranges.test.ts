import { BlockList, isIP } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { inCidr, ipScope, isSpecialPurposeIp, parseIpv4, parseIpv6 } from './ip-ranges.js'

describe('special-purpose IP ranges', () => {
  it('knows the special IPv4 ranges and leaves public and documentation ones alone', () => {
    for (const ip of [
      '0.1.2.3',
      '10.9.8.7',
      '100.64.0.1',
      '100.127.255.255',
      '127.0.0.1',
      '169.254.1.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.168.1.1',
      '198.18.0.1',
      '198.19.255.255',
      '224.0.0.251',
      '255.255.255.255',
    ]) {
      expect(isSpecialPurposeIp(ip), ip).toBe(true)
    }
    for (const ip of [
      '1.1.1.1',
      '8.8.8.8',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '192.0.2.1',
      '198.51.100.1',
      '203.0.113.9',
      '198.20.0.0',
      '223.255.255.255',
    ]) {
      expect(isSpecialPurposeIp(ip), ip).toBe(false)
    }
  })

  it('knows the special IPv6 ranges, judges IPv4-mapped addresses as IPv4, and counts non-IPs as special', () => {
    for (const ip of [
      '::',
      '::1',
      '100::1',
      'fc00::1',
      'fd12:3456::1',
      'fec0::1',
      'fe80::1%eth0',
      'ff02::fb',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isSpecialPurposeIp(ip), ip).toBe(true)
    }
    for (const ip of ['2001:db8::1', '2606:4700::1111', '::ffff:8.8.8.8', '2001:4860:4860::8888']) {
      expect(isSpecialPurposeIp(ip), ip).toBe(false)
    }
    for (const text of [
      '',
      'localhost',
      '1.2.3',
      '01.2.3.4',
      '256.1.1.1',
      '1::2::3',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      'g::1',
    ]) {
      expect(isSpecialPurposeIp(text), text).toBe(true)
    }
  })

  it('parses exactly what node:net accepts, and agrees with a BlockList of the same ranges', () => {
    const list = new BlockList()
    for (const [net, prefix] of [
      ['0.0.0.0', 8],
      ['10.0.0.0', 8],
      ['100.64.0.0', 10],
      ['127.0.0.0', 8],
      ['169.254.0.0', 16],
      ['172.16.0.0', 12],
      ['192.0.0.0', 24],
      ['192.168.0.0', 16],
      ['198.18.0.0', 15],
      ['224.0.0.0', 4],
      ['240.0.0.0', 4],
    ] as const)
      list.addSubnet(net, prefix, 'ipv4')
    for (const [net, prefix] of [
      ['::', 128],
      ['::1', 128],
      ['100::', 64],
      ['fc00::', 7],
      ['fec0::', 10],
      ['fe80::', 10],
      ['ff00::', 8],
    ] as const)
      list.addSubnet(net, prefix, 'ipv6')
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const family = isIP(ip)
        expect(family === 4 ? parseIpv4(ip) != null : parseIpv6(ip) != null).toBe(true)
        expect(isSpecialPurposeIp(ip)).toBe(list.check(ip, family === 6 ? 'ipv6' : 'ipv4'))
      }),
      { numRuns: 2000 },
    )
  })
})

describe('how far an IP reaches', () => {
  it('tells loopback, link-local, private and global apart', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].map(ipScope)).toEqual(
      Array(4).fill('loopback'),
    )
    expect(['169.254.3.4', 'fe80::1', 'fe80::1%eth0'].map(ipScope)).toEqual(Array(3).fill('link-local'))
    expect(['10.0.0.1', '192.168.1.1', '100.64.0.1', 'fd00::1', '::ffff:10.1.1.1'].map(ipScope)).toEqual(
      Array(5).fill('private'),
    )
    expect(['1.1.1.1', '198.51.100.7', '2001:db8::1', '2606:4700::1111'].map(ipScope)).toEqual(
      Array(4).fill('global'),
    )
    expect(ipScope('not an ip')).toBeUndefined()
    expect(ipScope('')).toBeUndefined()
  })

  it('says whether an IP is inside a CIDR block, as node:net does', () => {
    expect(inCidr('10.1.2.3', '10.1.2.0/24')).toBe(true)
    expect(inCidr('10.1.3.3', '10.1.2.0/24')).toBe(false)
    expect(inCidr('10.1.2.3', '10.1.2.3/32')).toBe(true)
    expect(inCidr('fd00::7', 'fd00::1/64')).toBe(true)
    expect(inCidr('fd01::7', 'fd00::1/64')).toBe(false)
    // other family, bad prefix or text: outside
    expect(inCidr('10.1.2.3', 'fd00::/8')).toBe(false)
    expect(inCidr('10.1.2.3', '10.1.2.0/33')).toBe(false)
    expect(inCidr('10.1.2.3', '10.1.2.0')).toBe(false)
    expect(inCidr('10.1.2.3', '10.1.2.0/x')).toBe(false)
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, network, prefix) => {
        const list = new BlockList()
        list.addSubnet(network, prefix, 'ipv4')
        expect(inCidr(ip, `${network}/${prefix}`)).toBe(list.check(ip, 'ipv4'))
      }),
    )
    fc.assert(
      fc.property(fc.ipV6(), fc.ipV6(), fc.integer({ min: 0, max: 128 }), (ip, network, prefix) => {
        const list = new BlockList()
        list.addSubnet(network, prefix, 'ipv6')
        expect(inCidr(ip, `${network}/${prefix}`)).toBe(list.check(ip, 'ipv6'))
      }),
    )
  })
})
