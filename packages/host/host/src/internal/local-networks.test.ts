import { describe, expect, it } from 'vitest'
import { localNetworks, readLocalNetworks } from './local-networks.js'

describe('our networks', () => {
  it("keeps each interface's CIDR block, not the loopback ones, at most 256", () => {
    const table = {
      lo: [{ cidr: '127.0.0.1/8', internal: true }],
      eth0: [
        { cidr: '192.168.1.7/24', internal: false },
        { cidr: 'fe80::7/64', internal: false },
      ],
      odd: [{ cidr: null, internal: false }],
      many: Array.from({ length: 300 }, (_, i) => ({
        cidr: `10.${i >> 8}.${i & 255}.1/32`,
        internal: false,
      })),
    }
    const networks = readLocalNetworks(() => table)
    expect(networks.slice(0, 2)).toEqual(['192.168.1.7/24', 'fe80::7/64'])
    expect(networks).toHaveLength(256)
    expect(networks).not.toContain('127.0.0.1/8')
  })

  it('reads nothing when the runtime has no interface table or it throws', () => {
    expect(readLocalNetworks(null)).toEqual([])
    expect(
      readLocalNetworks(() => {
        throw new Error('no access')
      }),
    ).toEqual([])
  })

  it("reads this machine's interfaces under Node and keeps them for a while", () => {
    const now = Date.now()
    const first = localNetworks(now)
    expect(localNetworks(now + 1_000)).toBe(first)
    expect(first.every((cidr) => cidr.includes('/'))).toBe(true)
  })
})
