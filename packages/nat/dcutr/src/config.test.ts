import { describe, expect, it } from 'vitest'
import { resolveConfig } from './config.js'

describe('resolveConfig', () => {
  it('fills in every default', () => {
    expect(resolveConfig()).toEqual({
      attempts: 3,
      punchTimeout: 5_000,
      exchangeTimeout: 10_000,
      relayGracePeriod: 5_000,
      maxConcurrentUpgrades: 16,
      maxAddresses: 4,
      unilateral: true,
      allowPrivateAddresses: false,
      natInfo: undefined,
      quicHeadStart: 500,
      birthday: {
        sockets: 256,
        probes: 2_000,
        probesPerTick: 5,
        tickInterval: 10,
        timeout: 4_000,
        window: 128,
        sequenceDelay: 150,
      },
      predictionWindow: 6,
      upgradeRetries: 2,
      upgradeRetryDelay: 10_000,
      rungTimeout: 10_000,
    })
  })

  it('keeps a negative relayGracePeriod (keep the relayed connection)', () => {
    expect(resolveConfig({ relayGracePeriod: -1 }).relayGracePeriod).toBe(-1)
  })

  it('refuses counts and durations out of range', () => {
    expect(() => resolveConfig({ attempts: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ maxAddresses: 1.5 })).toThrow(RangeError)
    expect(() => resolveConfig({ punchTimeout: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ predictionWindow: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ upgradeRetries: -1 })).toThrow(RangeError)
    expect(() => resolveConfig({ upgradeRetryDelay: 0 })).toThrow(RangeError)
    expect(() => resolveConfig({ quicHeadStart: -1 })).toThrow(RangeError)
    expect(resolveConfig({ quicHeadStart: 0 }).quicHeadStart).toBe(0)
    expect(() => resolveConfig({ birthday: { sockets: 0 } })).toThrow(RangeError)
    expect(() => resolveConfig({ birthday: { probes: 100_000 } })).toThrow(RangeError)
    expect(() => resolveConfig({ birthday: { timeout: 0 } })).toThrow(RangeError)
    expect(() => resolveConfig({ birthday: { window: 0 } })).toThrow(RangeError)
    expect(() => resolveConfig({ birthday: { window: 2_000 } })).toThrow(RangeError)
    expect(() => resolveConfig({ birthday: { sequenceDelay: -1 } })).toThrow(RangeError)
  })

  it('turns the birthday search off, or changes its limits', () => {
    expect(resolveConfig({ birthday: false }).birthday).toBe(false)
    expect(resolveConfig({ birthday: true }).birthday).toMatchObject({ sockets: 256 })
    expect(resolveConfig({ birthday: { sockets: 64 } }).birthday).toMatchObject({
      sockets: 64,
      probes: 2_000,
    })
  })
})
