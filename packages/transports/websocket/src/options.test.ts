import { describe, expect, it } from 'vitest'
import { resolveInit } from './options.js'

describe('resolveInit', () => {
  it('fills in the defaults', () => {
    const resolved = resolveInit({})
    expect(resolved.maxPayload).toBe(4 * 1024 * 1024)
    expect(resolved.maxConnections).toBe(10_000)
    expect(resolved.inboundSocketInactivityTimeout).toBe(120_000)
  })

  it('refuses limits and timeouts no socket can use, naming the option', () => {
    expect(() => resolveInit({ maxPayload: 0 })).toThrow(
      new RangeError('maxPayload must be an integer from 1 to 9007199254740991, got 0'),
    )
    expect(() => resolveInit({ bufferedAmountPollInterval: 1.5 })).toThrow(/bufferedAmountPollInterval/)
    expect(() => resolveInit({ closeTimeout: 0 })).toThrow(/closeTimeout must be a positive/)
    expect(() => resolveInit({ maxConnections: -1 })).toThrow(/maxConnections must be an integer/)
  })

  it('lets 0 disable the inactivity timeouts', () => {
    expect(resolveInit({ outboundSocketInactivityTimeout: 0 }).outboundSocketInactivityTimeout).toBe(0)
    expect(() => resolveInit({ inboundSocketInactivityTimeout: -1 })).toThrow(RangeError)
  })
})
