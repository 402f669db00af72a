import { describe, expect, it } from 'vitest'
import { resolveConfig } from './options.js'

describe('resolveConfig', () => {
  it('fills in the defaults', () => {
    const resolved = resolveConfig({})
    expect(resolved.maxPayload).toBe(4 * 1024 * 1024)
    expect(resolved.maxConnections).toBe(10_000)
    expect(resolved.inboundSocketInactivityTimeout).toBe(120_000)
  })

  it('refuses limits and timeouts no socket can use, naming the option', () => {
    expect(() => resolveConfig({ maxPayload: 0 })).toThrow(
      new RangeError('maxPayload must be an integer from 1 to 9007199254740991, got 0'),
    )
    expect(() => resolveConfig({ bufferedAmountPollInterval: 1.5 })).toThrow(/bufferedAmountPollInterval/)
    expect(() => resolveConfig({ closeTimeout: 0 })).toThrow(/closeTimeout must be a positive/)
    expect(() => resolveConfig({ maxConnections: -1 })).toThrow(/maxConnections must be an integer/)
  })

  it('lets 0 disable the inactivity timeouts', () => {
    expect(resolveConfig({ outboundSocketInactivityTimeout: 0 }).outboundSocketInactivityTimeout).toBe(0)
    expect(() => resolveConfig({ inboundSocketInactivityTimeout: -1 })).toThrow(RangeError)
  })
})
