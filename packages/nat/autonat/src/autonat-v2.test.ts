import { describe, expect, it } from 'vitest'
import { isPrivateIp } from './addresses.js'
import { DialBack } from './autonat-v2.pb.js'

describe('AutoNAT v2 helpers', () => {
  it('tells private addresses from public ones', () => {
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.1.1',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '0.0.0.0',
      '192.0.0.8',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      'ff02::1',
      '::ffff:127.0.0.1',
      'not an ip',
    ]) {
      expect(isPrivateIp(ip), ip).toBe(true)
    }
    for (const ip of ['198.51.100.7', '172.32.0.1', '8.8.8.8', '2001:db8::1', '::ffff:8.8.8.8']) {
      expect(isPrivateIp(ip), ip).toBe(false)
    }
  })

  it('carries a nonce with the top bit set (read back unsigned)', () => {
    const nonce = 0xfedcba9876543210n
    const decoded = DialBack.decode(DialBack.encode({ nonce })).nonce
    expect(BigInt.asUintN(64, decoded)).toBe(nonce)
  })
})
