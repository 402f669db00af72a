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

  it('checks the record republishing options and turns it off with 0', () => {
    const defaults = resolveConfig({})
    expect(defaults.recordRepublishInterval).toBe(60 * 60_000)
    expect(defaults.recordExpiry).toBe(36 * 60 * 60_000)
    expect(defaults.maxRepublishedRecords).toBe(1_000)
    expect(resolveConfig({ recordRepublishInterval: 0 }).recordRepublishInterval).toBe(0)
    expect(() => resolveConfig({ recordRepublishInterval: -5 })).toThrow(
      'recordRepublishInterval must be a non-negative finite number, got -5',
    )
    expect(() => resolveConfig({ recordExpiry: 0 })).toThrow('recordExpiry must be a positive finite number')
    expect(() => resolveConfig({ maxRepublishedRecords: 0 })).toThrow(
      'maxRepublishedRecords must be an integer from 1 to',
    )
    expect(() => resolveConfig({ recordExpiry: 1000, recordRepublishInterval: 1000 })).toThrow(
      'recordRepublishInterval (1000 ms) must be shorter than recordExpiry (1000 ms)',
    )
    expect(resolveConfig({ recordExpiry: 1000, recordRepublishInterval: 0 }).recordExpiry).toBe(1000)
  })

  it('keeps its cross-option and protocol checks', () => {
    expect(() => resolveConfig({ maxRecordSize: 1000, maxRecordBytes: 1500 })).toThrow(
      'maxRecordBytes (1500)',
    )
    expect(() => resolveConfig({ protocol: 'kad' })).toThrow('protocol must start with "/"')
  })
})
