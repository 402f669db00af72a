import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../src/options.js'

describe('kad-dht options', () => {
  it('checks counts and durations with the shared checkers, naming the option', () => {
    expect(() => resolveConfig({ kBucketSize: 0 })).toThrow('kBucketSize must be an integer from 1 to')
    expect(() => resolveConfig({ alpha: 2.5 })).toThrow('alpha must be an integer from 1 to')
    expect(() => resolveConfig({ requestTimeout: 0 })).toThrow(
      'requestTimeout must be a positive finite number, got 0',
    )
    expect(() => resolveConfig({ queryTimeout: Number.POSITIVE_INFINITY })).toThrow(RangeError)
    expect(() => resolveConfig({ refreshInterval: -1 })).toThrow(
      'refreshInterval must be a non-negative finite number, got -1',
    )
  })

  it('lets refresh and republishing be turned off with 0', () => {
    const config = resolveConfig({ refreshInterval: 0, republishInterval: 0, initialRefreshDelay: 0 })
    expect(config.refreshInterval).toBe(0)
    expect(config.republishInterval).toBe(0)
    expect(config.initialRefreshDelay).toBe(0)
  })

  it('keeps its cross-option and protocol checks', () => {
    expect(() => resolveConfig({ maxRecordSize: 1000, maxRecordBytes: 1500 })).toThrow(
      'maxRecordBytes (1500)',
    )
    expect(() => resolveConfig({ protocol: 'kad' })).toThrow('protocol must start with "/"')
  })
})
