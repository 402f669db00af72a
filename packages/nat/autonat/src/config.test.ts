import { describe, expect, it } from 'vitest'
import { resolveConfig } from './config.js'

describe('resolveConfig', () => {
  it('fills in every default', () => {
    expect(resolveConfig()).toEqual({
      server: true,
      dialTimeout: 15_000,
      maxConcurrentDialBacks: 4,
      maxAddressesPerRequest: 16,
      maxDialBacksPerPeer: 3,
      maxDialBacksPerMinute: 30,
      allowPrivateAddresses: false,
      threshold: 3,
      refreshInterval: 15 * 60_000,
      maxServersPerRound: 4,
      requestTimeout: 30_000,
      maxKnownServers: 64,
    })
  })

  it('accepts refreshInterval 0 (check only on identify)', () => {
    expect(resolveConfig({ refreshInterval: 0 }).refreshInterval).toBe(0)
  })

  it('refuses counts and durations out of range', () => {
    expect(() => resolveConfig({ maxKnownServers: -1 })).toThrow(RangeError)
    expect(() => resolveConfig({ dialTimeout: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ refreshInterval: Number.NaN })).toThrow(RangeError)
  })
})
