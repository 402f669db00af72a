import { describe, expect, it } from 'vitest'
import { resolveConfig, resolveV2Config } from './config.js'

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

describe('resolveV2Config', () => {
  it('fills in every default', () => {
    expect(resolveV2Config()).toEqual({
      server: true,
      allowPrivateAddresses: false,
      dialDataBytes: 30_000,
      maxDialDataBytes: 100_000,
      dialTimeout: 15_000,
      requestTimeout: 30_000,
      maxConcurrentDialBacks: 4,
      maxDialBacksPerPeer: 3,
      maxDialBacksPerMinute: 30,
      maxPendingChecks: 32,
      confidence: 3,
      resultsPerAddress: 5,
      maxTrackedAddresses: 64,
    })
  })

  it('refuses counts and durations out of range, and fewer results kept than needed to decide', () => {
    expect(() => resolveV2Config({ dialTimeout: 0 })).toThrow(RangeError)
    expect(() => resolveV2Config({ maxPendingChecks: 1.5 })).toThrow(RangeError)
    expect(() => resolveV2Config({ confidence: 0 })).toThrow(RangeError)
    expect(() => resolveV2Config({ confidence: 4, resultsPerAddress: 3 })).toThrow(RangeError)
    expect(resolveV2Config({ confidence: 1, resultsPerAddress: 1 })).toMatchObject({ confidence: 1 })
  })
})
